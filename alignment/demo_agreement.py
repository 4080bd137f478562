"""Demo agreements for `seed_demo`: this quarter's (marketing on track, sales behind) and last
quarter's (marketing missed, sales met), with commitments set close to the measured actuals.

Idempotent: an agreement with the same period is updated, not duplicated; a period already
overlapped by someone's own agreement is left alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from alignment import selectors, services
from alignment.models import Agreement
from leads.errors import InvalidInput

ONE = Decimal(1)
CENT = Decimal("0.01")


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter holding `day`: (first day, last day)."""
    first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    after = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 10
        else first.replace(month=first.month + 3)
    )
    return first, after - dt.timedelta(days=1)


def _fraction(value: Any, shift: str, default: str) -> Decimal:
    """A measured rate moved by `shift`, kept inside (0, 1] with two decimals."""
    base = Decimal(str(value)) if value is not None else Decimal(default)
    moved = (base + Decimal(shift)).quantize(CENT, rounding=ROUND_FLOOR)
    return min(ONE, max(CENT, moved))


def _money(value: Any, factor: str) -> Decimal | None:
    if value is None:
        return None
    return max(CENT, (Decimal(str(value)) * Decimal(factor)).quantize(ONE, rounding=ROUND_CEILING))


def _save(actor: AbstractBaseUser, start: dt.date, end: dt.date, fields: dict[str, Any]) -> None:
    existing = Agreement.objects.filter(start=start, end=end).first()
    try:
        if existing is None:
            services.agreement_create(actor=actor, start=start, end=end, **fields)
        else:
            services.agreement_update(agreement_id=existing.pk, actor=actor, **fields)
    except InvalidInput:
        return  # overlaps an agreement someone made: theirs stays


def load_demo_agreements(*, actor: AbstractBaseUser, today: dt.date) -> None:
    """This quarter's agreement and last quarter's, from the demo's measured KPIs."""
    start, end = quarter_of(today)
    total = (end - start).days + 1
    elapsed = (today - start).days + 1
    now = selectors.agreement_actuals(start=start, end=today)
    pace = Decimal(now["mqls"] or 0) * total / elapsed
    _save(
        actor,
        start,
        end,
        {
            # Marketing: a little under its pace and over its cost: on track.
            "mqls": max(1, int(pace * Decimal("0.95"))),
            "max_cost_per_mql": _money(now["cost_per_mql"], "1.10"),
            # Sales: a little over what it measures: behind.
            "min_sla_compliance": _fraction(now["sla_compliance_rate"], "0.08", "0.85"),
            "min_answered_share": _fraction(now["answered_share"], "0.10", "0.90"),
            "max_avg_response_hours": None,
        },
    )
    past_start, past_end = quarter_of(start - dt.timedelta(days=1))
    before = selectors.agreement_actuals(start=past_start, end=past_end)
    _save(
        actor,
        past_start,
        past_end,
        {
            # Marketing missed its MQLs by a tenth; sales met both of its minimums.
            "mqls": max(1, int(Decimal(before["mqls"] or 0) * Decimal("1.1")) + 1),
            "max_cost_per_mql": _money(before["cost_per_mql"], "1.20"),
            "min_sla_compliance": _fraction(before["sla_compliance_rate"], "-0.05", "0.80"),
            "min_answered_share": _fraction(before["answered_share"], "-0.05", "0.80"),
            "max_avg_response_hours": _money(before["avg_response_hours"], "1.25"),
        },
    )
