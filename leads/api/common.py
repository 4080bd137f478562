"""Shared API plumbing for every app's endpoints: cursor pages and role permissions."""

from typing import Any

from rest_framework import pagination, permissions
from rest_framework.request import Request

from leads.roles import roles_of


class CursorPage(pagination.CursorPagination):
    """Cursor pages (`next`, `previous`, `results`), no count query; `page_size` up to 500."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


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
