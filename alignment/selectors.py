"""Reads of the alignment app: plans and a plan's progress against the rollups."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from alignment.models import Plan
from metrics import diagnosis
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
