"""Attributed figures for a range (attribution.md): customers, revenue, paid CAC and ROMI
per campaign or channel under each model, from the credit rollups and, for spend, the KPI
breakdown of metrics.selectors (the same rows, labels and spend as the KPI breakdown).

Four queries whatever the range or data size: the three of `kpi_breakdown` and one grouped
sum of the credits.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, Sum

from metrics import attribution, kpis, selectors
from metrics.models import AttributionCredit

BYS = ("campaign", "channel")
FIGURES = ("customers", "revenue", "paid_cac", "romi")
UNATTRIBUTED = selectors.UNATTRIBUTED


def figures(customers: Decimal, revenue: Decimal, spend: Decimal | None) -> dict[str, Any]:
    """The four attributed figures (kpis.md ratios: None when the denominator is 0)."""
    return {
        "customers": customers,
        "revenue": revenue,
        "marketing_spend": spend,
        "paid_cac": kpis.ratio(spend, customers),
        "romi": None if spend is None else kpis.ratio(revenue - spend, spend),
    }


def attribution_table(
    *, start: dt.date, end: dt.date, by: str, models: tuple[str, ...] = attribution.MODELS
) -> list[dict[str, Any]]:
    """One row per campaign (every campaign, then Unattributed) or per channel (every
    channel that has a campaign, then Unattributed), each with its label keys (as the KPI
    breakdown's), `marketing_spend` and `models`: {model: figures} for each model."""
    if by not in BYS:
        raise ValueError(f"unknown breakdown {by!r}; one of {', '.join(BYS)}")
    unknown = [m for m in models if m not in attribution.MODELS]
    if unknown:
        raise ValueError(f"unknown attribution model {unknown[0]!r}")
    base = selectors.kpi_breakdown(by=by, start=start, end=end)
    key = "campaign_id" if by == "campaign" else "campaign__channel"
    sums: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in (
        AttributionCredit.objects.filter(Q(won_day__gte=start, won_day__lte=end), model__in=models)
        .order_by()
        .values("model", key)
        .annotate(customers=Sum("credit"), revenue=Sum("revenue"))
    ):
        sums[(row["model"], row[key])] = row
    rows = []
    for kpi_row in base:
        ref = kpi_row[by]
        label = {k: kpi_row[k] for k in (by, "name", "channel") if k in kpi_row}
        spend = kpi_row["marketing_spend"]
        per_model = {}
        for model in models:
            found = sums.get((model, ref)) or {}
            per_model[model] = figures(
                found.get("customers") or Decimal(0), found.get("revenue") or Decimal(0), spend
            )
        rows.append({**label, "marketing_spend": spend, "models": per_model})
    return rows


def attribution_figures(
    *, start: dt.date, end: dt.date, model: str, by: str
) -> list[dict[str, Any]]:
    """The API's rows: the label keys and the figures under one model."""
    if model not in attribution.MODELS:
        raise ValueError(f"unknown attribution model {model!r}")
    return [
        {**{k: v for k, v in row.items() if k != "models"}, **row["models"][model]}
        for row in attribution_table(start=start, end=end, by=by, models=(model,))
    ]


MONEY_KEYS = ("revenue", "marketing_spend", "paid_cac")
NUMBER_KEYS = ("customers", "romi")  # fractional credits and a ratio: 4 places


def format_row(row: dict[str, Any]) -> dict[str, Any]:
    """kpis.md number format: money as strings with two places, customers (a sum of
    fractional credits) and romi as JSON numbers rounded to 4 places, half-up."""
    out = dict(row)
    for key in MONEY_KEYS:
        value = row.get(key)
        out[key] = None if value is None else str(value.quantize(kpis.CENT, ROUND_HALF_UP))
    for key in NUMBER_KEYS:
        value = row.get(key)
        out[key] = None if value is None else float(value.quantize(kpis.RATE_PLACES, ROUND_HALF_UP))
    return out
