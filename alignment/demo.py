"""Demo content of the alignment pages: a year of targets (overall, per channel, per rep)
and one saved plan, all derived from the rates the demo history measured.

Idempotent: targets are upserted through metrics.services.target_set, and the demo plan
(found by its name) is replaced, so running it twice leaves the same rows.
"""

import datetime as dt
import logging
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from alignment import services
from alignment.demo_agreement import load_demo_agreements
from alignment.models import Plan
from leads.errors import InvalidInput
from metrics import dateranges, selectors
from metrics import services as metric_services

logger = logging.getLogger(__name__)

PLAN_NAME = "Demo: next quarter"
GROWTH = Decimal("1.10")  # the year's targets: 10% above the measured pace
PLAN_GROWTH = Decimal("1.15")  # the plan: 15% more revenue than the last quarter's pace
COUNTS = ("leads", "mqls", "opportunities", "customers")
MONEY = ("revenue", "marketing_spend")
CENT = Decimal("0.01")


def _monthly(value: Any, days: int) -> Decimal:
    """A look-back total as a monthly pace with growth."""
    return Decimal(value or 0) * Decimal("30.4375") / days * GROWTH


def _figure(metric: str, pace: Decimal) -> Decimal:
    if metric in MONEY:
        return pace.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(math.ceil(pace))


def _scope_targets(
    actor: AbstractBaseUser, year: int, values: dict[str, Decimal], **scope: Any
) -> int:
    cells = {
        (metric, dt.date(year, month, 1)): value
        for metric, value in values.items()
        for month in range(1, 13)
    }
    return metric_services.targets_save(actor=actor, cells=cells, **scope)


@transaction.atomic
def seed_plan_and_targets(
    *, manager: AbstractBaseUser, reps: Sequence[AbstractBaseUser], today: dt.date | None = None
) -> Plan | None:
    """Write this year's targets and save the demo plan for the next quarter (None when the
    history is too thin to measure every rate)."""
    today = today or timezone.localdate()
    start, end = services.default_lookback(today)
    days = (end - start).days + 1
    total = selectors.kpi_summary(start=start, end=end)
    overall = {m: _figure(m, _monthly(total[m], days)) for m in (*COUNTS, *MONEY)}
    overall["sla_compliance_rate"] = Decimal("0.90")
    _scope_targets(manager, today.year, overall)
    for row in selectors.kpi_breakdown(by="channel", start=start, end=end):
        if row["channel"] and row["leads"]:
            values = {m: _figure(m, _monthly(row[m], days)) for m in ("leads", "marketing_spend")}
            _scope_targets(manager, today.year, values, channel=row["channel"])
    by_owner = {
        row["owner"]: row for row in selectors.kpi_breakdown(by="owner", start=start, end=end)
    }
    for rep in reps:
        row = by_owner.get(rep.pk, {"customers": 0, "revenue": Decimal(0)})
        quota = {m: _figure(m, _monthly(row[m], days)) for m in ("customers", "revenue")}
        quota["customers"] = max(quota["customers"], Decimal(1))
        _scope_targets(manager, today.year, quota, owner=rep.pk)
    Plan.objects.filter(name=PLAN_NAME).delete()
    quarter = dateranges.add_months(dateranges.quarter_start(today), 3)
    last_90 = selectors.kpi_summary(start=today - dt.timedelta(days=90), end=end)
    goal = (Decimal(last_90["revenue"]) * PLAN_GROWTH / 1000).to_integral_value() * 1000
    try:
        return services.plan_create(
            actor=manager,
            today=today,
            name=PLAN_NAME,
            # the whole demo year: a small demo may have no win in the last 180 days
            lookback_start=today - dt.timedelta(days=365),
            lookback_end=end,
            start=quarter,
            end=dateranges.add_months(quarter, 3) - dt.timedelta(days=1),
            revenue_goal=max(goal, Decimal(1000)),
        )
    except InvalidInput as refused:
        logger.warning("demo plan not saved: %s", refused.message)
        return None


def seed_alignment(
    *, manager: AbstractBaseUser, reps: Sequence[AbstractBaseUser], today: dt.date
) -> None:
    """The demo's alignment content: a year of targets, a saved plan, this quarter's and
    last quarter's agreements (each part idempotent)."""
    seed_plan_and_targets(manager=manager, reps=reps, today=today)
    load_demo_agreements(actor=manager, today=today)
