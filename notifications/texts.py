"""What each notice says: a registry of code -> translatable template, and `render`.

A notice stores a `code` and its `params` (plain JSON), not a sentence, so each reader sees
it in their own language whenever it is shown: the page in the request's language, the
email in the recipient's. Parameters follow three conventions:

- `due` (and any key in DATE_PARAMS) is an ISO datetime, shown in local time in the
  reader's format;
- a key ending in `_label` holds an English msgid already in the catalogue (a choice
  label such as a rejection reason) and is translated at read time;
- `why` is a code of WHY, itself a template over the same params.

Rows written before codes existed have an empty `code` and show their stored `message`.
This module reads no model, so `models` can use it and it imports nothing of this app.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext, override, pgettext
from django.utils.translation import gettext_lazy as _

LEAD_ASSIGNED = "lead_assigned"
SLA_REMINDER = "sla_reminder"
SLA_BREACHED = "sla_breached"
SLA_ESCALATED = "sla_escalated"
LEAD_REJECTED = "lead_rejected"

TEXTS = {
    LEAD_ASSIGNED: _("New lead assigned: %(lead)s. Respond by %(due)s."),
    SLA_REMINDER: _("Respond to %(lead)s by %(due)s."),
    SLA_BREACHED: _("SLA breached: %(lead)s was due %(due)s with %(rep)s."),
    SLA_ESCALATED: _("Escalated: %(lead)s is overdue and was not reassigned (%(why)s)."),
    LEAD_REJECTED: _("Lead rejected (%(reason_label)s): %(lead)s."),
}

# Why an overdue lead was escalated instead of reassigned (the `why` parameter).
REASSIGN_LIMIT = "reassign_limit"
NO_REP = "no_rep"
WHY = {
    REASSIGN_LIMIT: _("already reassigned %(count)d time(s)"),
    NO_REP: _("no other rep is available"),
}

DATE_PARAMS = frozenset({"due"})


class Renderable(Protocol):
    code: str
    params: dict[str, Any]
    message: str


def _show_time(value: str) -> str:
    moment = parse_datetime(value)
    if moment is None:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    # Translators: a Django date format (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date)
    shown = date_format(moment, pgettext("notification time", "Y-m-d H:i"))
    return f"{shown} {timezone.get_current_timezone_name()}"


def _values(params: dict[str, Any]) -> dict[str, Any]:
    values = dict(params)
    for key, value in params.items():
        if key in DATE_PARAMS and isinstance(value, str):
            values[key] = _show_time(value)
        elif key.endswith("_label") and isinstance(value, str) and value:
            values[key] = gettext(value)
    if params.get("why") in WHY:
        values["why"] = WHY[params["why"]] % values
    return values


# Why the rep got the lead (the `route` parameter of an assignment notice), said after it.
ROUTES = {
    "rule": _("Why you: the routing rule “%(rule)s”."),
    "rotation": _("Why you: your turn in the rotation."),
    "manual": _("Why you: chosen by %(chooser)s."),
    "sla_breach": _("Why you: the previous rep missed the SLA."),
}


def render_text(code: str, params: dict[str, Any]) -> str:
    """The text of `code` with `params` in the active language (KeyError: unknown code)."""
    values = _values(params)
    text = str(TEXTS[code]) % values
    if params.get("route") in ROUTES:
        text += " " + str(ROUTES[params["route"]]) % values
    return text


def render(notification: Renderable) -> str:
    """The notice in the active language; its stored message if it has no (known) code."""
    if not notification.code:
        return notification.message
    try:
        return render_text(notification.code, notification.params or {})
    except (KeyError, TypeError, ValueError):
        return notification.message


def render_english(code: str, params: dict[str, Any]) -> str:
    """The English text, stored in `message` for the admin and older readers."""
    with override("en"):
        return render_text(code, params)
