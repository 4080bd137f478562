"""Lead quality per campaign and per channel: one score from what sales did with the leads.

The score of a campaign (or channel) over a window is the mean of three parts, each a
rate in 0..1 shrunk toward the mean of all leads in the window (empirical Bayes with a
prior weight of `PRIOR_WEIGHT` pseudo-observations):

    acceptance = (accepted + k x mean_acceptance) / (accepted + rejected + k)
    rating     = (sum of (r - 1) / 4 + k x mean_rating) / (ratings + k)
    win        = (customers + k x mean_win) / (customers + lost + k)
    score      = (acceptance + rating + win) / 3

with the counts of kpis.md (answers and opportunities closed in the window, ratings 1-5
given on those answers normalised to 0..1 by (r - 1) / 4) and k = 20. A campaign with
three perfect leads scores close to the mean; one with two hundred good leads scores close
to its own rates: a small sample cannot top the list by luck. A mean with no data at all
(no answers anywhere) is taken as 0.5. A campaign with no answer, no rating and no closed
opportunity in the window has no score (None) and sorts last.

The window is the `months` calendar months that end with the month of `end` (the last one
cut at `end`). The trend gives one score per month, each shrunk toward the window's means.
`acceptance_rate`, `avg_rating` (1-5) and `win_rate` are the measured, unshrunk values
(None without a denominator); `sample` is the number of answered handoffs. Two queries,
whatever the number of campaigns or months.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from handoff.models import RejectionReason
from leads.models import Campaign, Channel
from metrics import kpis
from metrics.dateranges import add_months, month_start
from metrics.models import REASON_CODES, CampaignDay

PRIOR_WEIGHT = Decimal(20)
NEUTRAL = Decimal("0.5")
TOP_REASONS = 3
_COUNTS = ("accepted", "rejected", "rating_count", "rating_sum", "customers", "lost")
_FIELDS = (*_COUNTS, *(f"rejected_{code}" for code in REASON_CODES))


def window(end: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The `months` calendar months ending with end's month, cut at end."""
    if months < 1:
        raise ValueError("months must be at least 1")
    return add_months(month_start(end), -(months - 1)), end


def _add(total: dict[str, int], row: Mapping[str, Any]) -> None:
    for name in _FIELDS:
        total[name] += row.get(name) or 0


def _parts(counts: Mapping[str, int]) -> dict[str, tuple[Decimal, int]]:
    """(successes, trials) of the three parts; a rating r counts as (r - 1) / 4 of one."""
    ratings = counts["rating_count"]
    return {
        "acceptance": (Decimal(counts["accepted"]), counts["accepted"] + counts["rejected"]),
        "rating": (Decimal(counts["rating_sum"] - ratings) / 4, ratings),
        "win": (Decimal(counts["customers"]), counts["customers"] + counts["lost"]),
    }


def means(counts: Mapping[str, int]) -> dict[str, Decimal]:
    """The population's rate of each part (NEUTRAL where it has no data)."""
    return {
        name: kpis.ratio(successes, trials) if trials else NEUTRAL
        for name, (successes, trials) in _parts(counts).items()
    }


def score(counts: Mapping[str, int], prior: Mapping[str, Decimal]) -> Decimal | None:
    """The shrunk score of one campaign's counts (None when it has no data at all)."""
    parts = _parts(counts)
    if not any(trials for _successes, trials in parts.values()):
        return None
    shrunk = [
        (successes + PRIOR_WEIGHT * prior[name]) / (trials + PRIOR_WEIGHT)
        for name, (successes, trials) in parts.items()
    ]
    return sum(shrunk, Decimal(0)) / 3


def _reasons(counts: Mapping[str, int]) -> list[dict[str, Any]]:
    found = [(code, counts[f"rejected_{code}"]) for code in REASON_CODES]
    found = sorted((item for item in found if item[1]), key=lambda kv: (-kv[1], kv[0]))
    labels = dict(RejectionReason.choices)
    return [
        {"code": code, "label": str(labels[code]), "count": n} for code, n in found[:TOP_REASONS]
    ]


def _zero() -> dict[str, int]:
    return dict.fromkeys(_FIELDS, 0)


def _row(
    counts: Mapping[str, int],
    monthly: Mapping[dt.date, Mapping[str, int]],
    months: Iterable[dt.date],
    prior: Mapping[str, Decimal],
) -> dict[str, Any]:
    value = score(counts, prior)
    return {
        "score": None if value is None else float(value),
        "sample": counts["accepted"] + counts["rejected"],
        "acceptance_rate": kpis.ratio(counts["accepted"], counts["accepted"] + counts["rejected"]),
        "avg_rating": kpis.ratio(counts["rating_sum"], counts["rating_count"]),
        "win_rate": kpis.ratio(counts["customers"], counts["customers"] + counts["lost"]),
        "trend": [
            {"month": month, "score": _float(score(monthly.get(month) or _zero(), prior))}
            for month in months
        ],
        "top_reasons": _reasons(counts),
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _best_first(row: Mapping[str, Any]) -> tuple[Any, ...]:
    value = row["score"]
    return (value is None, -(value or 0), -row["sample"], row.get("name") or "")


def _monthly_counts(
    start: dt.date, end: dt.date, key: str
) -> tuple[dict[Any, dict[dt.date, dict[str, int]]], dict[str, int]]:
    """{group: {month: counts}} and the population's counts. One query."""
    by_group: dict[Any, dict[dt.date, dict[str, int]]] = defaultdict(dict)
    population = _zero()
    rows = (
        CampaignDay.objects.filter(day__gte=start, day__lte=end)
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values(key, "month")
        .annotate(**{name: Sum(name) for name in _FIELDS})
    )
    for row in rows:
        counts = _zero()
        _add(counts, row)
        by_group[row[key]][row["month"]] = counts
        _add(population, row)
    return by_group, population


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def _quality(
    groups: list[dict[str, Any]], key: str, end: dt.date, months: int
) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    start, end = window(end, months)
    by_group, population = _monthly_counts(start, end, key)
    prior = means(population)
    month_list = _months(start, end)
    rows = []
    for group in groups:
        monthly = by_group.get(group[key]) or {}
        counts = _zero()
        for month_counts in monthly.values():
            _add(counts, month_counts)
        rows.append({**group, **_row(counts, monthly, month_list, prior)})
    rows.sort(key=_best_first)
    return rows, prior


def campaign_quality(*, end: dt.date, months: int = 6) -> list[dict[str, Any]]:
    """Every campaign, best score first: `{campaign_id, campaign, channel, score (0..1 or
    None), sample, acceptance_rate, avg_rating, win_rate, trend: [{month, score}],
    top_reasons: [{code, label, count}]}` over the window of the module docstring."""
    campaigns = [
        {"campaign_id": cid, "campaign": name, "name": name, "channel": channel}
        for cid, name, channel in Campaign.objects.order_by("name").values_list(
            "id", "name", "channel"
        )
    ]
    rows, _prior = _quality(campaigns, "campaign_id", end, months)
    for row in rows:
        del row["name"]
    return rows


def channel_quality(*, end: dt.date, months: int = 6) -> list[dict[str, Any]]:
    """Every channel that has a campaign, best score first: `{channel, label, score,
    sample, acceptance_rate, avg_rating, win_rate, trend, top_reasons}`."""
    used = set(Campaign.objects.values_list("channel", flat=True).distinct())
    channels = [
        {"campaign__channel": code, "name": str(label)}
        for code, label in Channel.choices
        if code in used
    ]
    rows, _prior = _quality(channels, "campaign__channel", end, months)
    return [
        {"channel": row.pop("campaign__channel"), "label": row.pop("name"), **row} for row in rows
    ]
