"""The KPI keys of kpis.md, pure functions from summed rollup parts to KPIs, and the API format."""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# Every key of kpis.md, in the order the spec lists them.
KEYS: tuple[str, ...] = (
    "marketing_spend",
    "sales_cost",
    "leads",
    "mqls",
    "handoffs",
    "accepted",
    "rejected",
    "opportunities",
    "customers",
    "lost",
    "revenue",
    "rejections_by_reason",
    "cost_per_lead",
    "cost_per_mql",
    "cost_per_opportunity",
    "paid_cac",
    "cac",
    "romi",
    "acceptance_rate",
    "win_rate",
    "avg_deal_size",
    "avg_sales_cycle_days",
    "avg_quality_rating",
    "close_rate",
    "sla_met",
    "sla_breached",
    "sla_compliance_rate",
    "avg_response_hours",
)
MONEY_KEYS: frozenset[str] = frozenset(
    {
        "marketing_spend",
        "sales_cost",
        "revenue",
        "cost_per_lead",
        "cost_per_mql",
        "cost_per_opportunity",
        "paid_cac",
        "cac",
        "avg_deal_size",
    }
)
COUNT_KEYS: frozenset[str] = frozenset(
    {
        "leads",
        "mqls",
        "handoffs",
        "accepted",
        "rejected",
        "opportunities",
        "customers",
        "lost",
        "sla_met",
        "sla_breached",
    }
)
# Rates (fractions 0..1, and romi which may exceed 1 or be negative), hours and days.
RATE_KEYS: frozenset[str] = frozenset(
    {
        "romi",
        "acceptance_rate",
        "win_rate",
        "avg_sales_cycle_days",
        "avg_quality_rating",
        "close_rate",
        "sla_compliance_rate",
        "avg_response_hours",
    }
)
DICT_KEYS: frozenset[str] = frozenset({"rejections_by_reason"})
# Keys that depend on marketing spend: null under an owner filter (spend has no owner).
SPEND_KEYS: frozenset[str] = frozenset(
    {"marketing_spend", "cost_per_lead", "cost_per_mql", "cost_per_opportunity", "paid_cac", "romi"}
)

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
_MICROS_PER_HOUR = Decimal(3_600_000_000)
_MICROS_PER_DAY = Decimal(86_400_000_000)


def ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    """numerator / denominator as an unrounded Decimal; None when either is None or the
    denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _micros(value: dt.timedelta) -> Decimal:
    return Decimal((value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds)


def mean_hours(total: dt.timedelta, count: int) -> Decimal | None:
    return ratio(_micros(total), count * _MICROS_PER_HOUR) if count else None


def mean_days(total: dt.timedelta, count: int) -> Decimal | None:
    return ratio(_micros(total), count * _MICROS_PER_DAY) if count else None


# The ratios over marketing spend: meaningless for a row that can hold no spend.
SPEND_RATIOS = ("cost_per_lead", "cost_per_mql", "cost_per_opportunity", "paid_cac", "romi")


def add_parts(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The summed parts of several rows (a table's totals row): compute() of the result."""
    total: dict[str, Any] = {}
    for parts in rows:
        for name, value in parts.items():
            if name == "rejections":
                merged = dict(total.get(name, {}))
                for code, n in value.items():
                    merged[code] = merged.get(code, 0) + n
                total[name] = merged
            elif value is None or (name in total and total[name] is None):
                total[name] = None
            elif name in total:
                total[name] = total[name] + value
            else:
                total[name] = value
    return total


def compute(parts: Mapping[str, Any]) -> dict[str, Any]:
    """Every KPI from summed parts.

    `parts` holds the summed rollup columns (see metrics.models.FACT_FIELDS) with `mqls`
    already made distinct over the range, plus `marketing_spend` and `sales_cost`
    (Decimal, or None where the filter makes them not applicable) and `rejections`
    ({reason: count}).
    """
    spend: Decimal | None = parts["marketing_spend"]
    sales_cost: Decimal | None = parts["sales_cost"]
    leads = int(parts["leads"])
    mqls = int(parts["mqls"])
    opportunities = int(parts["opportunities"])
    customers = int(parts["customers"])
    lost = int(parts["lost"])
    accepted = int(parts["accepted"])
    rejected = int(parts["rejected"])
    sla_met = int(parts["sla_met"])
    sla_breached = int(parts["sla_breached"])
    revenue = Decimal(parts["revenue"])
    cac = None
    if spend is not None and sales_cost is not None:
        cac = ratio(spend + sales_cost, customers)
    rejections = {code: n for code, n in parts["rejections"].items() if n}
    return {
        "marketing_spend": spend,
        "sales_cost": sales_cost,
        "leads": leads,
        "mqls": mqls,
        "handoffs": int(parts["handoffs"]),
        "accepted": accepted,
        "rejected": rejected,
        "opportunities": opportunities,
        "customers": customers,
        "lost": lost,
        "revenue": revenue,
        "rejections_by_reason": dict(sorted(rejections.items(), key=lambda kv: (-kv[1], kv[0]))),
        "cost_per_lead": ratio(spend, leads),
        "cost_per_mql": ratio(spend, mqls),
        "cost_per_opportunity": ratio(spend, opportunities),
        "paid_cac": ratio(spend, customers),
        "cac": cac,
        "romi": None if spend is None else ratio(revenue - spend, spend),
        "acceptance_rate": ratio(accepted, accepted + rejected),
        "win_rate": ratio(customers, customers + lost),
        "avg_deal_size": ratio(revenue, customers),
        "avg_sales_cycle_days": mean_days(parts["sales_cycle_total"], customers),
        "avg_quality_rating": ratio(parts["rating_sum"], parts["rating_count"]),
        "close_rate": ratio(parts["cohort_customers"], leads),
        "sla_met": sla_met,
        "sla_breached": sla_breached,
        "sla_compliance_rate": ratio(sla_met, sla_met + sla_breached),
        "avg_response_hours": mean_hours(parts["response_total"], int(parts["response_count"])),
    }


def format_value(key: str, value: Any) -> Any:
    """One KPI value as kpis.md's "Number format on the API" wants it (half-up rounding)."""
    if value is None:
        return None
    if key in MONEY_KEYS:
        return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))
    if key in COUNT_KEYS:
        return int(value)
    if key in RATE_KEYS:
        return float(Decimal(value).quantize(RATE_PLACES, rounding=ROUND_HALF_UP))
    if key in DICT_KEYS:
        return {str(k): int(v) for k, v in value.items()}
    return value


def format_for_api(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A summary (or breakdown row) with every KPI formatted for JSON; other keys unchanged
    (dates and datetimes as ISO strings)."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if key in KEYS:
            out[key] = format_value(key, value)
        elif isinstance(value, dt.date | dt.datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def budget_use(budget: Decimal, spent: Decimal) -> dict[str, Any]:
    """Budget against actual: remaining may go below zero (over budget); `used` is the
    share of the budget spent, None for a zero budget."""
    used = ratio(spent, budget)
    return {
        "budget": budget,
        "spent": spent,
        "remaining": budget - spent,
        "used": used,
        "over": spent > budget,
    }
