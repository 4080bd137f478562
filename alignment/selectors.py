"""Reads of agreements and their status: the actuals come from metrics' KPI summary and the
handoff records (answered share); every role reads every agreement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from alignment import status as rules
from alignment.models import Agreement, DigestPreference
from handoff import selectors as handoff_selectors
from metrics import selectors as metrics_selectors

# The past agreements a page lists (their statuses are read together: 5 queries).
PAST_SHOWN = 8


def agreement_list() -> QuerySet[Agreement]:
    """Every agreement, the latest period first."""
    return Agreement.objects.select_related("created_by").order_by("-start", "-id")


def agreement_get(*, agreement_id: int) -> Agreement:
    """The agreement (Agreement.DoesNotExist when there is none)."""
    return agreement_list().get(pk=agreement_id)


def current_agreement(*, on: dt.date) -> Agreement | None:
    """The agreement whose period holds `on`; else the next one to start; else the latest
    one that ended."""
    qs = agreement_list()
    return (
        qs.filter(start__lte=on, end__gte=on).first()
        or qs.filter(start__gt=on).order_by("start", "id").first()
        or qs.filter(end__lt=on).first()
    )


def past_agreements(*, on: dt.date, limit: int = PAST_SHOWN) -> list[Agreement]:
    """The agreements that ended before `on`, the latest first (at most `limit`)."""
    return list(agreement_list().filter(end__lt=on)[:limit])


def agreement_actuals(*, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The KPI values the status compares, over start..end (kpis.md): mqls, cost_per_mql,
    sla_compliance_rate, avg_response_hours from the rollups, and answered_share. 5 queries."""
    summary = metrics_selectors.kpi_summary(start=start, end=end)
    answered = handoff_selectors.answered_share(start=start, end=end)
    return _actuals_from(summary, answered)


def _actuals_from(summary: dict[str, Any], answered: dict[str, Any]) -> dict[str, Any]:
    actuals = {key: summary.get(key) for key in rules.ACTUAL_KEYS if key in summary}
    actuals["answered_share"] = answered["share"]
    actuals["answered"] = answered["answered"]
    actuals["answerable"] = answered["handoffs"]
    return actuals


def commitments_of(agreement: Agreement) -> dict[str, Any]:
    return {field: getattr(agreement, field) for field in rules.FIELDS}


def agreement_status(*, agreement: Agreement, as_of: dt.date | None = None) -> dict[str, Any]:
    """alignment.md's status of the agreement on `as_of` (default today), unrounded.
    No query before the start; 5 after it."""
    as_of = as_of or timezone.localdate()
    measured = rules.measured_range(agreement.start, agreement.end, as_of)
    actuals = agreement_actuals(start=measured[0], end=measured[1]) if measured else {}
    return rules.agreement_status(
        start=agreement.start,
        end=agreement.end,
        as_of=as_of,
        commitments=commitments_of(agreement),
        actuals=actuals,
    )


def agreement_statuses(
    *, agreements: list[Agreement], as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """agreement_status of several agreements, in their order, reading every actual at once:
    5 queries whatever the number of agreements (none when none has started)."""
    as_of = as_of or timezone.localdate()
    measured = [rules.measured_range(a.start, a.end, as_of) for a in agreements]
    ranges = [m for m in measured if m is not None]
    summaries = iter(metrics_selectors.kpi_summaries(ranges=ranges))
    answered = iter(handoff_selectors.answered_shares(ranges=ranges) if ranges else [])
    statuses = []
    for agreement, period in zip(agreements, measured, strict=True):
        actuals = _actuals_from(next(summaries), next(answered)) if period else {}
        statuses.append(
            rules.agreement_status(
                start=agreement.start,
                end=agreement.end,
                as_of=as_of,
                commitments=commitments_of(agreement),
                actuals=actuals,
            )
        )
    return statuses


def digest_subscribed(*, user: Any) -> bool:
    """Whether the user receives the weekly digest (no preference row: yes)."""
    value = (
        DigestPreference.objects.filter(user_id=user.pk)
        .values_list("subscribed", flat=True)
        .first()
    )
    return True if value is None else bool(value)
