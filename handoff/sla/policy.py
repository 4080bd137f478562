"""Which SLA applies to a handoff: the policy by score band, and its due and reminder times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from handoff.models import BusinessHours, ScoreKind, SLAPolicy
from handoff.sla import calendar


@dataclass(frozen=True)
class SLAPlan:
    policy: SLAPolicy | None
    sla_due_at: dt.datetime
    sla_remind_at: dt.datetime


def _band(kind: str, score: int) -> Q:
    return Q(score_kind=kind, min_score__lte=score, max_score__gte=score)


def policy_for(score: int, predicted_score: int | None = None) -> SLAPolicy | None:
    """The active policy whose band holds the lead's score of the policy's kind (manual or
    predicted); when bands of both kinds match, the highest minimum wins (then the oldest)."""
    bands = _band(ScoreKind.MANUAL, score)
    if predicted_score is not None:
        bands |= _band(ScoreKind.PREDICTED, predicted_score)
    return SLAPolicy.objects.filter(bands, active=True).order_by("-min_score", "id").first()


def sla_plan(
    *, score: int, handed_off_at: dt.datetime, predicted_score: int | None = None
) -> SLAPlan:
    policy = policy_for(score, predicted_score)
    hours = policy.response_hours if policy else settings.SLA_DEFAULT_RESPONSE_HOURS
    hours_calendar = None
    if policy and policy.business_hours:
        hours_calendar = calendar.calendar_from_rows(
            BusinessHours.objects.values_list("weekday", "opens", "closes")
        )
    due = calendar.due_at(handed_off_at, hours, hours_calendar)
    percent = policy.remind_at_percent if policy else 75
    return SLAPlan(policy, due, calendar.remind_at(handed_off_at, due, percent))
