"""The workflow's rules that need no database: each written once, used by services,
selectors, pages, the API and webhooks alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from django.utils.translation import gettext, gettext_lazy

# The longest free-text feedback a rep may give with an answer (accept or reject).
FEEDBACK_MAX_LENGTH = 2000


class _HandoffTimes(Protocol):
    outcome: str
    sla_due_at: dt.datetime
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None


PENDING = "pending"  # HandoffOutcome.PENDING, without importing the models


def sla_status(handoff: _HandoffTimes, now: dt.datetime) -> str:
    """How a handoff stands against its SLA, as kpis.md counts it: `met`, `breached`,
    `running` (pending, not yet due) or `not_counted` (reassigned before its due time)."""
    if handoff.responded_at is not None:
        return "met" if handoff.responded_at <= handoff.sla_due_at else "breached"
    if handoff.outcome == PENDING:
        return "breached" if now > handoff.sla_due_at else "running"
    closed = handoff.closed_at or now
    return "breached" if closed > handoff.sla_due_at else "not_counted"


def is_overdue(handoff: _HandoffTimes, now: dt.datetime) -> bool:
    """Pending and past its SLA due time: in the inbox's red, the overdue list and the API."""
    return handoff.outcome == PENDING and handoff.sla_due_at < now


# --------------------------------------------------------------------------- why this rep

_SKIP_REASONS = {
    "away": gettext_lazy("away"),
    "inactive": gettext_lazy("inactive"),
    "current assignee": gettext_lazy("the current rep"),
}


def skip_reason(reason: str) -> str:
    """A stored skip reason (`away`, `at cap (20/20 open leads)`) in the reader's language."""
    if reason in _SKIP_REASONS:
        return str(_SKIP_REASONS[reason])
    if reason.startswith("at cap (") and "/" in reason:
        numbers = reason[len("at cap (") :].split(" ")[0]
        open_leads, _sep, cap = numbers.partition("/")
        return gettext("at cap %(open)s/%(cap)s") % {"open": open_leads, "cap": cap}
    return reason


def rep_availability_label(name: str, *, away: bool, open_leads: int, cap: int | None) -> str:
    """How the manual rep picker shows a rep: `Luis (away)`, `Ana (at cap 20/20)`."""
    if away:
        return gettext("%(name)s (away)") % {"name": name}
    if cap is not None and open_leads >= cap:
        return gettext("%(name)s (at cap %(open)s/%(cap)s)") % {
            "name": name,
            "open": open_leads,
            "cap": cap,
        }
    return name


def explain_assignment(info: Mapping[str, Any], names: Mapping[int, str]) -> str:
    """Why this rep got the lead, from the handoff's stored `assignment`, in one sentence of
    the reader's language; `names` maps user ids to display names."""
    if not info:
        return ""
    if info.get("method") == "manual":
        chooser = names.get(info.get("chosen_by") or 0, "")
        text = (
            gettext("Chosen by hand by %(name)s") % {"name": chooser}
            if chooser
            else gettext("Chosen by hand")
        )
    else:
        if info.get("rule"):
            text = gettext("Routing rule “%(rule)s”") % {"rule": info["rule"]}
        else:
            text = gettext("General rotation")
        if info.get("turn"):
            text += ", " + gettext("turn %(turn)s") % {"turn": info["turn"]}
        skipped = [
            f"{names.get(s.get('user_id') or 0, s.get('username', ''))} "
            f"({skip_reason(str(s.get('reason', '')))})"
            for s in info.get("skipped") or []
        ]
        if skipped:
            text += "; " + gettext("skipped %(reps)s") % {"reps": ", ".join(skipped)}
        if info.get("rule_skipped") is not None:
            text += "; " + gettext("the matching rule had no available rep")
    if info.get("reason") == "sla_breach":
        text = gettext("Reassigned after the SLA was missed") + "; " + text
    return text + "."


def assignment_user_ids(info: Mapping[str, Any]) -> set[int]:
    """The user ids an assignment explanation names (to fetch their names in one query)."""
    ids = {info.get("chosen_by")} | {s.get("user_id") for s in info.get("skipped") or []}
    return {i for i in ids if isinstance(i, int)}
