"""The workflow's rules that need no database: each written once, used by services,
selectors, pages, the API and webhooks alike."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

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
