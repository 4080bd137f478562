"""Reads of the alignment app: plans and a plan's progress against the rollups; agreements
and their status (the actuals come from metrics' KPI summary and the handoff records'
answered share; every role reads every agreement)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from alignment import status as rules
from alignment.models import Agreement, DigestPreference, Plan
from handoff import selectors as handoff_selectors
from metrics import diagnosis
from metrics import selectors as metrics_selectors
from metrics.selectors import kpi_summary

# Each needed figure of a plan and the KPI that counts it (alignment.md "progress").
PROGRESS_KEYS: dict[str, str] = {
    "leads": "leads",
    "mqls": "mqls",
    "accepted": "accepted",
    "opportunities": "opportunities",
    "customers": "customers",
    "revenue_goal": "revenue",
    "marketing_budget": "marketing_spend",
}
CENT = Decimal("0.01")
PLACES = Decimal("0.0001")
MONEY_FIGURES = frozenset({"revenue_goal", "marketing_budget"})


def plan_list() -> QuerySet[Plan]:
    """Every plan, newest period first, with its author (one query)."""
    return Plan.objects.select_related("created_by").order_by("-start", "-id")


def plan_get(*, plan_id: int) -> Plan:
    return Plan.objects.select_related("created_by").get(pk=plan_id)


def plan_progress(*, plan: Plan, today: dt.date | None = None) -> dict[str, Any]:
    """The actual count to date next to each needed figure of a saved plan.

    Actuals are the KPIs of plan.start..min(today, plan.end); before the start they are 0.
    `expected_to_date` is the needed figure times the share of the period elapsed.
    Money is returned as strings with two places, counts as integers.
    """
    today = today or timezone.localdate()
    total_days = (plan.end - plan.start).days + 1
    until = min(today, plan.end)
    elapsed = max(0, (until - plan.start).days + 1)
    summary = kpi_summary(start=plan.start, end=until) if elapsed else None
    needed = {**plan.answer.get("needed", {}), "revenue_goal": plan.answer.get("revenue_goal")}
    figures = {}
    for figure, kpi in PROGRESS_KEYS.items():
        target = Decimal(str(needed.get(figure) or 0))
        actual = (summary[kpi] or 0) if summary else 0
        expected = target * elapsed / total_days
        if figure in MONEY_FIGURES:
            figures[figure] = {
                "needed": f"{target:.2f}",
                "actual": f"{Decimal(actual):.2f}",
                "expected_to_date": f"{expected.quantize(CENT, rounding=ROUND_HALF_UP):.2f}",
            }
        else:
            figures[figure] = {
                "needed": int(target),
                "actual": int(actual),
                "expected_to_date": float(expected.quantize(PLACES, rounding=ROUND_HALF_UP)),
            }
    for values in figures.values():
        need = Decimal(str(values["needed"]))
        values["share"] = (
            None
            if not need
            else float(
                (Decimal(str(values["actual"])) / need).quantize(PLACES, rounding=ROUND_HALF_UP)
            )
        )
    return {
        "as_of": today.isoformat(),
        "elapsed_days": elapsed,
        "total_days": total_days,
        "figures": figures,
    }


def plan_diagnosis(*, plan: Plan, progress: dict[str, Any]) -> dict[str, Any] | None:
    """The revenue gap to the plan so far, split by funnel factor (metrics.diagnosis' LMDI):
    the actual counts to date against the plan's needed figures prorated to the days
    elapsed. None before the plan starts."""
    elapsed, total = progress["elapsed_days"], progress["total_days"]
    if not elapsed:
        return None
    needed = {**plan.answer.get("needed", {}), "revenue": plan.answer.get("revenue_goal")}
    keys = ("leads", "mqls", "accepted", "opportunities", "customers", "revenue")
    compare = {k: Decimal(str(needed.get(k) or 0)) * elapsed / total for k in keys}
    figures = progress["figures"]
    current = {
        k: Decimal(str(figures["revenue_goal" if k == "revenue" else k]["actual"])) for k in keys
    }
    result = diagnosis.decompose(current, compare)
    return {
        **result,
        "headline": diagnosis.headline(result),
        "rounded": diagnosis.rounded_contributions(result),
    }


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
