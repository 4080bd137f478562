"""Funnel rates of alignment.md over a look-back range: each as {value, numerator, denominator}.

The counts come from the rollups (`selectors.kpi_summary`, four queries). The one rate the
rollups do not hold, `avg_lead_to_win_days` (closed_at of the won opportunity minus
created_at of its lead), is one aggregate query over the opportunities won in the range,
filtered like the rollups (campaign and channel through the lead's source campaign,
owner through the opportunity's owner). It is read live rather than rolled up because a
lead's `created_at` may be backfilled after its opportunity closed, which would leave a
rollup cell of the closing day stale.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from leads.models import Opportunity, OpportunityStage
from metrics import kpis
from metrics.refresh import day_start
from metrics.selectors import kpi_summary

RATE_KEYS: tuple[str, ...] = (
    "lead_to_mql",
    "mql_to_accepted",
    "accepted_to_opportunity",
    "win_rate",
    "avg_deal_size",
    "cost_per_lead",
    "avg_lead_to_win_days",
)
FRACTION_KEYS = frozenset({"lead_to_mql", "mql_to_accepted", "accepted_to_opportunity", "win_rate"})
MONEY_KEYS = frozenset({"avg_deal_size", "cost_per_lead"})
DAYS_KEYS = frozenset({"avg_lead_to_win_days"})

_MICROS_PER_DAY = Decimal(86_400_000_000)


def _days(total: dt.timedelta) -> Decimal:
    micros = (total.days * 86_400 + total.seconds) * 1_000_000 + total.microseconds
    return Decimal(micros) / _MICROS_PER_DAY


def lead_to_win(
    *,
    start: dt.date,
    end: dt.date,
    campaign: int | None = None,
    channel: str | None = None,
    owner: int | None = None,
) -> tuple[Decimal, int]:
    """(sum of days from lead created to opportunity won, number won) over start..end."""
    won = Opportunity.objects.filter(
        stage=OpportunityStage.WON,
        closed_at__gte=day_start(start),
        closed_at__lt=day_start(end + dt.timedelta(days=1)),
    )
    if campaign is not None:
        won = won.filter(lead__campaign_id=campaign)
    elif channel is not None:
        won = won.filter(lead__campaign__channel=channel)
    elif owner is not None:
        won = won.filter(owner_id=owner)
    row = won.aggregate(
        total=Sum(
            ExpressionWrapper(F("closed_at") - F("lead__created_at"), output_field=DurationField())
        ),
        n=Count("id", filter=Q(lead__isnull=False)),
    )
    return _days(row["total"] or dt.timedelta(0)), row["n"] or 0


def _rate(numerator: Any, denominator: Any) -> dict[str, Any]:
    return {
        "value": kpis.ratio(numerator, denominator),
        "numerator": numerator,
        "denominator": denominator,
    }


def funnel_rates(
    *,
    start: dt.date,
    end: dt.date,
    campaign: int | None = None,
    channel: str | None = None,
    owner: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Every rate of alignment.md's table over start..end (inclusive) under one filter.

    Values are exact (unrounded Decimal); `value` is None when the denominator is 0 or,
    for `cost_per_lead` under an owner filter, when spend does not apply (numerator None).
    Raises ValueError for a bad range or filter, like the selectors. Five queries.
    """
    filters = {"campaign": campaign, "channel": channel, "owner": owner}
    s = kpi_summary(start=start, end=end, **filters)
    days_total, won = lead_to_win(start=start, end=end, **filters)
    return {
        "lead_to_mql": _rate(s["mqls"], s["leads"]),
        "mql_to_accepted": _rate(s["accepted"], s["mqls"]),
        "accepted_to_opportunity": _rate(s["opportunities"], s["accepted"]),
        "win_rate": _rate(s["customers"], s["customers"] + s["lost"]),
        "avg_deal_size": _rate(s["revenue"], s["customers"]),
        "cost_per_lead": _rate(s["marketing_spend"], s["leads"]),
        "avg_lead_to_win_days": _rate(days_total, won),
    }


def format_part(key: str, part: Any, *, numerator: bool = False) -> Any:
    """A value or numerator for the API: money as a string, days and rates to 4 places."""
    if part is None:
        return None
    if key in MONEY_KEYS:
        return kpis.format_value("revenue", part)
    if key in DAYS_KEYS or not numerator:
        return kpis.format_value("win_rate", part)
    return int(part)


def format_rates(rates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """funnel_rates' answer for JSON (money strings, rates and days rounded to 4 places)."""
    out = {}
    for key, rate in rates.items():
        out[key] = {
            **rate,
            "value": format_part(key, rate["value"]),
            "numerator": format_part(key, rate["numerator"], numerator=True),
            "denominator": None if rate["denominator"] is None else int(rate["denominator"]),
        }
    return out
