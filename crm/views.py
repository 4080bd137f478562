"""Project-level views: the landing page (the probes are in crm/health.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from leads.roles import MANAGER, MARKETING, SALES, primary_role

WORKSPACES = {
    MARKETING: "metrics:campaign_list",
    SALES: "handoff:inbox",
    MANAGER: "metrics:dashboard",
}


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


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers that ask for /favicon.ico anyway get the SVG icon the pages link to."""
    return redirect(static("favicon.svg"), permanent=True)
