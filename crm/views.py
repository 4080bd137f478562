"""Project-level views: the health check and the landing page."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from leads.roles import MANAGER, MARKETING, SALES, primary_role

WORKSPACES = {
    MARKETING: "metrics:campaign_list",
    SALES: "handoff:inbox",
    MANAGER: "metrics:dashboard",
}


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database readiness, for load balancers and compose health checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means "not ready"
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own workspace; anonymous users to sign in."""
    if not request.user.is_authenticated:
        return redirect("login")
    role = primary_role(request.user)
    if role is not None:
        try:
            return redirect(reverse(WORKSPACES[role]))
        except NoReverseMatch:  # that workspace is not wired in this build
            pass
    return render(request, "home.html")
