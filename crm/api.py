"""REST API v1 wiring: the one router, the one error mapping and the schema hooks."""

import logging
from typing import Any

from csp.decorators import csp_update
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, routers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from alignment.api.urls import routes as alignment_routes
from handoff.api.urls import routes as handoff_routes
from integrations.api.urls import routes as integrations_routes
from integrations.idempotency import IDEMPOTENCY_HEADER, IdempotencyMixin, IdempotentReplay
from integrations.models import WebhookEvent
from leads.api.common import RequestTooLarge
from leads.api.urls import routes as leads_routes
from leads.errors import DomainError, DuplicateLead, InvalidInput, InvalidTransition
from metrics.api.urls import routes as metrics_routes
from scoring.api.urls import routes as scoring_routes

logger = logging.getLogger(__name__)

# --- errors -------------------------------------------------------------------------------


def _field_errors(errors: Any) -> dict[str, Any]:
    if isinstance(errors, dict):
        return {("non_field_errors" if k == "__all__" else str(k)): v for k, v in errors.items()}
    if isinstance(errors, list):
        return {"non_field_errors": errors}
    return {"non_field_errors": [str(errors)]}


def error_body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as `{"detail", "code", ...}`: field errors, `status` or `existing_id` added."""
    if isinstance(exc, IdempotentReplay):
        return Response(
            exc.row.response_body,
            status=exc.row.response_status,
            headers={"Idempotent-Replayed": "true"},
        )
    if isinstance(exc, DomainError):
        extra: dict[str, Any] = {}
        if isinstance(exc, InvalidTransition):
            extra["status"] = exc.status
        elif isinstance(exc, DuplicateLead):
            extra["existing_id"] = exc.existing_id
        elif isinstance(exc, InvalidInput):
            extra = _field_errors(exc.errors)
        return Response(error_body(exc.message, exc.code, **extra), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response(
            error_body("Invalid input.", "invalid", **_field_errors(errors)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, DataError):
        # A value the database refuses (a number or date out of its column's range) that
        # got past validation: the client's input, never a server error.
        logger.warning("API input refused by the database: %r", exc)
        return Response(
            error_body("Malformed input.", "invalid"), status=status.HTTP_400_BAD_REQUEST
        )
    # Anything else (a ValueError included) is a fault of ours: Django's handler500 answers
    # 500 JSON, or 503 when the database is unreachable (crm/errors.py), and logs it.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("Invalid input.", "invalid", **_field_errors(response.data))
    else:
        data = response.data if isinstance(response.data, dict) else {}
        detail = data.get("detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        if isinstance(exc, Http404):
            code = "not_found"
        response.data = error_body(str(detail), str(code))
    return response


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


# --- schema ---------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every error. `detail` is a readable message and `code` a stable code (`invalid`, "
        "`not_authenticated`, `authentication_failed`, `permission_denied`, `forbidden`, "
        "`not_found`, `method_not_allowed`, `invalid_transition`, `duplicate`, "
        "`idempotency_conflict`, `throttled`, `parse_error`, `too_large`, "
        "`unsupported_media_type`, `unavailable`, `server_error`, ...). A 400 adds one key "
        "per invalid field (or `non_field_errors`) with its messages."
    ),
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
    "additionalProperties": True,
}
TRANSITION_ERROR_SCHEMA = {
    "type": "object",
    "description": "A refused lifecycle move: `status` is the current status (or stage).",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": ["invalid_transition"]},
        "status": {"type": "string"},
    },
    "required": ["detail", "code", "status"],
}
DUPLICATE_ERROR_SCHEMA = {
    "type": "object",
    "description": "A duplicate lead: `existing_id` is the lead that already exists.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": ["duplicate"]},
        "existing_id": {"type": "integer"},
    },
    "required": ["detail", "code", "existing_id"],
}

WEBHOOK_BODY_SCHEMA = {
    "type": "object",
    "description": (
        "The JSON body POSTed to a subscription's URL (not an endpoint of this API). Header "
        "`X-Signature: sha256=<hex HMAC-SHA256 of the raw body with the subscription's "
        "secret>` and `X-Webhook-Delivery: <delivery id>`, the same on every retry of one "
        "delivery (drop an id already processed); answer 2xx within the timeout, or the "
        "delivery is retried with backoff."
    ),
    "properties": {
        "event": {"type": "string", "enum": [e.value for e in WebhookEvent]},
        "occurred_at": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "properties": {
                "lead": {"type": "object", "description": "the lead after the move"},
                "action": {"type": "string", "description": "the workflow action"},
                "from_status": {"type": "string"},
                "to_status": {"type": "string"},
                "actor": {"type": "integer", "nullable": True},
                "at": {"type": "string", "format": "date-time"},
                "input": {"type": "object", "description": "the move's input"},
                "handoff": {"type": "object", "description": "when the move has one"},
                "opportunity": {"type": "object", "description": "when the move has one"},
            },
        },
    },
    "required": ["event", "occurred_at", "data"],
}

ERROR_RESPONSES = {
    "400": "Invalid input: field errors, malformed JSON or query parameters.",
    "401": "No credentials, or an invalid or revoked token.",
    "403": "The caller's role may not do this (or, on a move, is not the lead's rep).",
    "404": "No such object, or one the caller may not see.",
    "409": "A refused move (`invalid_transition`, with `status`), a duplicate lead "
    "(`duplicate`, with `existing_id`) or a reused Idempotency-Key.",
    "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (`too_large`).",
    "415": "The body is not JSON (`unsupported_media_type`).",
    "429": "Throttled: wait `Retry-After` seconds.",
    "500": "An unexpected fault of the server (`server_error`); it was logged.",
    "503": "The database cannot be reached (`unavailable`): retry after `Retry-After` seconds.",
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before the next request.",
    }
}


def postprocess_schema(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Declare the error answers and the Idempotency-Key header on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["TransitionError"] = TRANSITION_ERROR_SCHEMA
    schemas["DuplicateError"] = DUPLICATE_ERROR_SCHEMA
    schemas["WebhookBody"] = WEBHOOK_BODY_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    conflict = {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/TransitionError"},
                    {"$ref": "#/components/schemas/DuplicateError"},
                    {"$ref": "#/components/schemas/Error"},
                ]
            }
        }
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "429", "500", "503"]
            if method != "get":
                codes.append("409")
            if "requestBody" in operation:
                codes += ["413", "415"]
            for code in codes:
                if responses.get(code, {}).get("content"):
                    continue  # the view declared this answer's body itself
                content = conflict if code == "409" else ref
                description = responses.get(code, {}).get("description") or ERROR_RESPONSES[code]
                responses[code] = {"description": description, "content": content}
                if code in {"429", "503"}:
                    responses[code]["headers"] = RETRY_AFTER_HEADER
            if method == "post":
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": IDEMPOTENCY_HEADER,
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        "description": (
                            "Repeat a request safely: a repeat with the same key returns the "
                            "first answer (header `Idempotent-Replayed: true`) and creates "
                            "nothing; the same key with a different request is refused with "
                            "409 `idempotency_conflict`."
                        ),
                    }
                )
    return result


# --- routes ---------------------------------------------------------------------------------

router = routers.SimpleRouter()
for prefix, viewset, basename in [
    *leads_routes,
    *handoff_routes,
    *metrics_routes,
    *integrations_routes,
    *alignment_routes,
    *scoring_routes,
]:
    router.register(
        prefix, type(viewset.__name__, (IdempotencyMixin, viewset), {}), basename=basename
    )

app_name = "api"
urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI: its script is served by the view itself (no inline script); the page keeps
    # one inline <style> and Swagger UI draws its icons from data: URLs.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    re_path(r"^[\s\S]*$", not_found),
]
