"""Shared API plumbing for every app's endpoints: cursor pages, the bounded JSON parser
and role permissions."""

import io
import logging
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, connection
from rest_framework import exceptions, pagination, parsers, permissions, status
from rest_framework.request import Request

from leads.roles import roles_of

logger = logging.getLogger(__name__)

# JSON bodies nested deeper than this are refused (400) before any serializer sees them.
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def _depth(value: Any, limit: int) -> int:
    """How deep containers nest in `value`, counted without recursion, stopping past `limit`."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with bounds: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, a
    document nested deeper than MAX_JSON_DEPTH (or too deep for the decoder) a 400."""

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is not None and limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise RequestTooLarge()
            stream = io.BytesIO(body)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
        else:
            if _depth(data, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH:
                return data
        raise exceptions.ParseError(
            f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."
        )


class CursorPage(pagination.CursorPagination):
    """Cursor pages (`next`, `previous`, `results`), no count query; `page_size` up to 500.

    A cursor that cannot be decoded, or whose position does not fit the ordering field
    (garbage, NUL bytes, out-of-range numbers or dates), is a 404 "Invalid cursor", as DRF
    answers for an undecodable one."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and "\x00" in cursor.position:
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def _check_position(self, queryset: Any, position: str) -> None:
        """The position must be a value of the ordering field, within its column's range."""
        try:
            field = queryset.model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return
        value = field.to_python(position)
        internal_type = field.get_internal_type()
        if isinstance(value, int) and internal_type in connection.ops.integer_field_ranges:
            low, high = connection.ops.integer_field_range(internal_type)
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError("cursor position out of range")

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        if not request.query_params.get(self.cursor_query_param):
            return super().paginate_queryset(queryset, request, view)
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                self.ordering = self.get_ordering(request, queryset, view)
                self._check_position(queryset, cursor.position)
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError, DataError) as exc:
            # Raised while the position is turned into a filter on the ordering field; logged
            # so that a fault of ours behind a cursor stays visible.
            logger.warning("invalid API cursor on %s: %r", request.path, exc)
            raise exceptions.NotFound(self.invalid_cursor_message) from exc


class RolePermission(permissions.BasePermission):
    """Which roles may call a view: `read_roles` for safe methods, `write_roles` otherwise.

    Ownership (a rep and the rep's own leads) is decided by the selectors and services.
    """

    message = "Your role may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        held = roles_of(request.user)
        if request.method in permissions.SAFE_METHODS:
            allowed = getattr(view, "read_roles", ())
        else:
            allowed = getattr(view, "write_roles", ())
            action_roles = getattr(view, "action_roles", {})
            allowed = action_roles.get(getattr(view, "action", None), allowed)
        return bool(held & set(allowed))
