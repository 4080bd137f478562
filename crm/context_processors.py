"""What every page's shell needs: the navigation for the user's roles and the unread count."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from leads.roles import MANAGER, MARKETING, SALES, roles_of


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any
    roles: tuple[str, ...]


NAV: tuple[NavItem, ...] = (
    NavItem("metrics:dashboard", _("Dashboard"), (MARKETING, SALES, MANAGER)),
    NavItem("metrics:campaign_list", _("Campaigns"), (MARKETING, MANAGER)),
    NavItem("handoff:lead_list", _("Leads"), (MARKETING, SALES, MANAGER)),
    NavItem("imports:import_start", _("Import"), (MARKETING,)),
    NavItem("handoff:inbox", _("Inbox"), (SALES,)),
    NavItem("handoff:pipeline", _("Pipeline"), (SALES, MANAGER)),
    NavItem("alignment:plan_list", _("Plans"), (MARKETING, SALES, MANAGER)),
    NavItem("alignment:agreement", _("Agreement"), (MARKETING, SALES, MANAGER)),
    NavItem("handoff:settings_me", _("Away"), (SALES,)),
    NavItem("settings_hub", _("Settings"), (MANAGER,)),
)


def _nav_items(request: HttpRequest) -> list[dict[str, Any]]:
    held = roles_of(request.user)
    items = []
    for item in NAV:
        if not held.intersection(item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # a workspace whose pages are not wired in this build
            continue
        items.append({"url": url, "label": item.label, "active": False})
    # The current page's link is the one with the longest URL that the path starts with.
    matches = [entry for entry in items if request.path.startswith(entry["url"])]
    if matches:
        max(matches, key=lambda entry: len(entry["url"]))["active"] = True
    return items


def _unread(request: HttpRequest) -> int:
    from notifications.selectors import unread_count

    return unread_count(user=request.user)


def shell(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    try:
        notifications_url = reverse("notifications:list")
    except NoReverseMatch:
        notifications_url = ""
    return {
        "nav_items": SimpleLazyObject(lambda: _nav_items(request)),
        "notifications_url": notifications_url,
        "unread_notifications": SimpleLazyObject(lambda: _unread(request)),
        "is_manager": SimpleLazyObject(lambda: MANAGER in roles_of(request.user)),
    }
