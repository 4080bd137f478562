"""The project's last-resort error answers: JSON `{"detail", "code"}` under /api/, a page
elsewhere. Wired as `handler400` and `handler500` in crm/urls.py.

Django calls these when nothing else answered: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
(RequestDataTooBig, 413), a bad request (400), a database that cannot be reached
(OperationalError / InterfaceError, 503 with Retry-After) and any other unexpected exception
(500, logged by Django with its traceback). The pages are rendered without a request context,
so they work while the database is down.
"""

import sys
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist, loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_json(detail: str, code: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, **extra}, status=status)


def _page(template: str, status: int, message: str) -> HttpResponse:
    try:
        body = loader.get_template(template).render({"message": message})
    except TemplateDoesNotExist:
        body = f"<!doctype html><title>{message}</title><h1>{message}</h1>"
    return HttpResponse(body, status=status)


def _answer(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if is_api(request):
        response: HttpResponse = error_json(detail, code, status)
    else:
        response = _page(f"{status}.html", status, detail)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, or 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if isinstance(exception, RequestDataTooBig):
        return _answer(request, 413, "too_large", _("The request body is too large."))
    return _answer(request, 400, "bad_request", _("The request could not be understood."))


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """503 when the database cannot be reached (the caller may retry), 500 otherwise."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return _answer(
            request,
            503,
            "unavailable",
            _("The service is briefly unavailable. Try again in a few seconds."),
        )
    return _answer(
        request,
        500,
        "server_error",
        _("Something went wrong on our side. The error was logged."),
    )
