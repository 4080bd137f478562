"""The settings hub (`/settings/`, links to every settings page of every app) and the
settings history (`/settings/history/`, the `leads.audit` rows). Wiring only: each settings
page lives in the app that owns its data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from leads import audit
from leads.access import role_required
from leads.paging import paginate
from leads.roles import MANAGER


@dataclass(frozen=True)
class SettingsPage:
    url_name: str
    title: Any
    text: Any


SETTINGS_PAGES: tuple[SettingsPage, ...] = (
    SettingsPage(
        "handoff:settings_users",
        _("Users"),
        _("Add or invite people, change roles, mark reps away, set caps, deactivate."),
    ),
    SettingsPage(
        "handoff:settings_sla",
        _("SLA and business hours"),
        _("Response times by score band, and the weekly opening hours they may count."),
    ),
    SettingsPage(
        "handoff:settings_rules",
        _("Routing rules"),
        _("Which reps get leads of a country or channel, in order, with a preview."),
    ),
    SettingsPage("metrics:targets", _("Targets"), _("The monthly targets of each team.")),
    SettingsPage(
        "scoring:model",
        _("Lead score model"),
        _("How well the learned score predicts wins, its training history, train it now."),
    ),
    SettingsPage("integrations:token_list", _("API tokens"), _("Create, list and revoke keys.")),
    SettingsPage(
        "integrations:webhook_list", _("Webhooks"), _("Subscriptions, test events, deliveries.")
    ),
    SettingsPage(
        "integrations:lead_form_list",
        _("Web forms"),
        _("Public lead forms of campaigns: embed code, hosted page, spam counts."),
    ),
    SettingsPage(
        "settings_history",
        _("Settings history"),
        _("Every change made on these pages: who, when, before and after."),
    ),
)

AREA_LABELS = {
    "users": _("Users"),
    "availability": _("Availability"),
    "sla": _("SLA policies"),
    "business_hours": _("Business hours"),
    "routing": _("Routing rules"),
    "targets": _("Targets"),
    "api_tokens": _("API tokens"),
    "webhooks": _("Webhooks"),
    "web_forms": _("Web forms"),
}


def _pages() -> list[dict[str, Any]]:
    pages = []
    for page in SETTINGS_PAGES:
        pages.append({"url": reverse(page.url_name), "title": page.title, "text": page.text})
    return pages


@role_required(MANAGER)
def hub(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/settings_hub.html", {"pages": _pages()})


EXTRA_LABELS = {
    "role": _("role"),
    "reps": _("reps"),
    "reassigned_leads": _("pending leads reassigned"),
}


def _field_label(object_type: str, key: str) -> Any:
    """The model field's verbose name ("maximum open leads"), else a known label, else the key."""
    if key in EXTRA_LABELS:
        return EXTRA_LABELS[key]
    try:
        return apps.get_model(object_type)._meta.get_field(key).verbose_name
    except (LookupError, ValueError, FieldDoesNotExist):
        return key


def _shown(value: Any) -> Any:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def _changes(row: Any) -> list[tuple[Any, Any, Any]]:
    keys = sorted(set(row.before) | set(row.after))
    return [
        (
            _field_label(row.object_type, key),
            _shown(row.before.get(key)),
            _shown(row.after.get(key)),
        )
        for key in keys
    ]


@role_required(MANAGER)
def history(request: HttpRequest) -> HttpResponse:
    area = request.GET.get("area", "")
    page = paginate(audit.setting_changes(area=area or None), request.GET)
    rows = [
        {"row": row, "changes": _changes(row), "area": AREA_LABELS.get(row.area, row.area)}
        for row in page.rows
    ]
    areas = [(name, AREA_LABELS.get(name, name)) for name in audit.setting_areas()]
    return render(
        request,
        "crm/settings_history.html",
        {
            "page": page,
            "rows": rows,
            "areas": areas,
            "area": area,
        },
    )
