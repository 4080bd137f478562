"""Cost entries over a period (kpis.md "Cost entries over a period"): pure day arithmetic.

An entry covers `date` alone, or every day from `date` to `end_date` inclusive; its amount
is spread evenly, each day's share rounded down to the cent, the remainder on the last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
MAX_SPAN_DAYS = 366  # the longest period one entry may cover, both ends included


def period_days(date: dt.date, end_date: dt.date | None) -> list[dt.date]:
    """Every day an entry covers, in order."""
    last = end_date or date
    return [date + dt.timedelta(days=n) for n in range((last - date).days + 1)]


def daily_shares(
    amount: Decimal, date: dt.date, end_date: dt.date | None
) -> Iterator[tuple[dt.date, Decimal]]:
    """(day, share) of each covered day: the shares sum to `amount` exactly."""
    days = period_days(date, end_date)
    share = (Decimal(amount) / len(days)).quantize(CENT, rounding=ROUND_DOWN)
    for day in days[:-1]:
        yield day, share
    yield days[-1], Decimal(amount) - share * (len(days) - 1)
