"""Multi-touch attribution of a won opportunity (attribution.md): pure functions, no I/O.

A journey is the lead's touches with `at <= opportunity.created_at`, oldest first. Each
model gives every touch a weight (the weights sum to 1); a campaign's credit is the sum
of its touches' weights. Stored credits are rounded to CREDIT_PLACES by largest
remainder, so an opportunity's credits still sum to exactly 1, and its revenue is split
in cents the same way, so it sums to exactly the amount: attributed totals reconcile
with the KPI customers and revenue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

FIRST_TOUCH = "first_touch"
LAST_TOUCH = "last_touch"
LINEAR = "linear"
U_SHAPED = "u_shaped"
TIME_DECAY = "time_decay"
MODELS: tuple[str, ...] = (FIRST_TOUCH, LAST_TOUCH, LINEAR, U_SHAPED, TIME_DECAY)

HALF_LIFE_DAYS = 7.0  # time_decay: a touch a week older weighs half as much
CREDIT_PLACES = 6
CREDIT_QUANTUM = Decimal(1).scaleb(-CREDIT_PLACES)
CENT = Decimal("0.01")
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class JourneyTouch:
    campaign_id: int
    at: dt.datetime


def journey(touches: Sequence[JourneyTouch], opened_at: dt.datetime) -> list[JourneyTouch]:
    """The touches that count: `at <= opened_at`, oldest first (stable for equal times)."""
    return sorted((t for t in touches if t.at <= opened_at), key=lambda t: t.at)


def weights(model: str, touches: Sequence[JourneyTouch], opened_at: dt.datetime) -> list[float]:
    """One weight per touch of an ordered journey, summing to 1 (empty for no touch)."""
    n = len(touches)
    if model not in MODELS:
        raise ValueError(f"unknown attribution model {model!r}; one of {', '.join(MODELS)}")
    if n == 0:
        return []
    if model == FIRST_TOUCH:
        return [1.0] + [0.0] * (n - 1)
    if model == LAST_TOUCH:
        return [0.0] * (n - 1) + [1.0]
    if model == LINEAR:
        return [1.0 / n] * n
    if model == U_SHAPED:
        if n == 1:
            return [1.0]
        if n == 2:
            return [0.5, 0.5]
        middle = 0.2 / (n - 2)
        return [0.4] + [middle] * (n - 2) + [0.4]
    # time_decay: 2^(-d/7), d the fractional days from the touch to the opportunity. The
    # ratios are taken from the newest touch (same weights once normalised), so years-old
    # journeys cannot underflow to 0/0.
    days = [(opened_at - t.at).total_seconds() / SECONDS_PER_DAY for t in touches]
    nearest = min(days)
    raw = [2.0 ** (-(d - nearest) / HALF_LIFE_DAYS) for d in days]
    total = sum(raw)
    return [w / total for w in raw]


def campaign_weights(
    model: str, touches: Sequence[JourneyTouch], opened_at: dt.datetime
) -> dict[int, float]:
    """Unrounded credit per campaign (a campaign's touches summed), in journey order."""
    ordered = journey(touches, opened_at)
    credits: dict[int, float] = {}
    for touch, weight in zip(ordered, weights(model, ordered, opened_at), strict=True):
        credits[touch.campaign_id] = credits.get(touch.campaign_id, 0.0) + weight
    return credits


def allocate(shares: Sequence[float], total: Decimal, quantum: Decimal) -> list[Decimal]:
    """Split `total` in multiples of `quantum` in proportion to `shares` (largest remainder:
    each part is rounded down, the leftover quanta go to the largest remainders, ties to the
    earlier part), so the parts sum to exactly `total`."""
    if not shares:
        return []
    weight_sum = sum(shares)
    units = int((total / quantum).to_integral_value(rounding=ROUND_FLOOR))
    exact = [Decimal(repr(s / weight_sum)) * units if weight_sum else Decimal(0) for s in shares]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [quantum * f for f in floors]


@dataclass(frozen=True)
class Credit:
    campaign_id: int | None  # None: the won opportunity had no touch (unattributed)
    credit: Decimal
    revenue: Decimal


def credits(
    model: str,
    touches: Sequence[JourneyTouch],
    opened_at: dt.datetime,
    amount: Decimal,
) -> list[Credit]:
    """The stored credits of one won opportunity under one model: credits summing to 1 at
    CREDIT_PLACES, revenue summing to `amount` in cents. No qualifying touch: one
    unattributed credit of 1 (so totals reconcile with the KPI customers)."""
    per_campaign = campaign_weights(model, touches, opened_at)
    per_campaign = {cid: w for cid, w in per_campaign.items() if w > 0}
    if not per_campaign:
        return [Credit(None, Decimal(1), Decimal(amount))]
    ids = list(per_campaign)
    shares = [per_campaign[cid] for cid in ids]
    credit_parts = allocate(shares, Decimal(1), CREDIT_QUANTUM)
    revenue_parts = allocate(shares, Decimal(amount), CENT)
    remainder = Decimal(amount) - sum(revenue_parts, Decimal(0))  # sub-cent amounts only
    if remainder:
        revenue_parts[-1] += remainder
    return [
        Credit(cid, c, r)
        for cid, c, r in zip(ids, credit_parts, revenue_parts, strict=True)
        if c or r
    ]


def all_credits(
    touches: Sequence[JourneyTouch], opened_at: dt.datetime, amount: Decimal
) -> dict[str, list[Credit]]:
    """The credits of one won opportunity under every model."""
    return {model: credits(model, touches, opened_at, amount) for model in MODELS}
