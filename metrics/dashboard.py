"""What the dashboard shows, as pure functions over selector results: tiles, funnel, sorting."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handoff.models import RejectionReason
from metrics import kpis

# How each KPI is shown: money, count, percent (fractions, ROMI too), hours, days, rating.
KINDS: dict[str, str] = {
    "marketing_spend": "money",
    "sales_cost": "money",
    "revenue": "money",
    "leads": "count",
    "mqls": "count",
    "handoffs": "count",
    "accepted": "count",
    "rejected": "count",
    "opportunities": "count",
    "customers": "count",
    "lost": "count",
    "cost_per_lead": "money",
    "cost_per_mql": "money",
    "cost_per_opportunity": "money",
    "paid_cac": "money",
    "cac": "money",
    "romi": "percent",
    "acceptance_rate": "percent",
    "win_rate": "percent",
    "avg_deal_size": "money",
    "avg_sales_cycle_days": "days",
    "avg_quality_rating": "rating",
    "close_rate": "percent",
    "sla_met": "count",
    "sla_breached": "count",
    "sla_compliance_rate": "percent",
    "avg_response_hours": "hours",
}

LABELS: dict[str, Promise] = {
    "marketing_spend": _("Marketing spend"),
    "sales_cost": _("Sales cost"),
    "revenue": _("Revenue"),
    "leads": _("Leads"),
    "mqls": _("MQLs"),
    "handoffs": _("Handed off"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "opportunities": _("Opportunities"),
    "customers": _("Customers"),
    "lost": _("Deals lost"),
    "cost_per_lead": _("Cost per lead"),
    "cost_per_mql": _("Cost per MQL"),
    "cost_per_opportunity": _("Cost per opportunity"),
    "paid_cac": _("Paid CAC"),
    "cac": _("CAC"),
    "romi": _("ROMI"),
    "acceptance_rate": _("Acceptance rate"),
    "win_rate": _("Win rate"),
    "avg_deal_size": _("Average deal size"),
    "avg_sales_cycle_days": _("Sales cycle (days)"),
    "avg_quality_rating": _("Lead quality (1-5)"),
    "close_rate": _("Close rate"),
    "sla_met": _("SLA met"),
    "sla_breached": _("SLA breached"),
    "sla_compliance_rate": _("SLA compliance"),
    "avg_response_hours": _("Response time (hours)"),
}

# The tiles, grouped as a manager reads them. Every scalar key of kpis.md is here;
# rejections_by_reason is the rejection reasons chart.
TILE_GROUPS: tuple[tuple[Promise, tuple[str, ...]], ...] = (
    (_("Money"), ("marketing_spend", "sales_cost", "revenue", "romi", "avg_deal_size")),
    (
        _("Volume"),
        ("leads", "mqls", "handoffs", "accepted", "rejected", "opportunities", "customers", "lost"),
    ),
    (
        _("Unit costs"),
        ("cost_per_lead", "cost_per_mql", "cost_per_opportunity", "paid_cac", "cac"),
    ),
    (
        _("Conversion"),
        (
            "acceptance_rate",
            "win_rate",
            "close_rate",
            "avg_quality_rating",
            "avg_sales_cycle_days",
        ),
    ),
    (
        _("Speed to lead"),
        ("sla_compliance_rate", "sla_met", "sla_breached", "avg_response_hours"),
    ),
)
TILE_KEYS: tuple[str, ...] = tuple(key for _group, keys in TILE_GROUPS for key in keys)

# A rise is good (1), bad (-1) or neither (0: spend is a choice, not a score).
DIRECTION: dict[str, int] = dict.fromkeys(KINDS, 1) | {
    "marketing_spend": 0,
    "sales_cost": 0,
    "handoffs": 0,
    "rejected": -1,
    "lost": -1,
    "cost_per_lead": -1,
    "cost_per_mql": -1,
    "cost_per_opportunity": -1,
    "paid_cac": -1,
    "cac": -1,
    "avg_sales_cycle_days": -1,
    "sla_breached": -1,
    "avg_response_hours": -1,
}

FUNNEL: tuple[tuple[str, Promise], ...] = (
    ("leads", _("Leads")),
    ("mqls", _("MQLs")),
    ("handoffs", _("Handed off")),
    ("accepted", _("Accepted")),
    ("opportunities", _("Opportunities")),
    ("customers", _("Customers")),
)


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


@dataclass(frozen=True)
class Change:
    """A change against a reference: `amount` is relative (or in points for percents)."""

    amount: Decimal | None
    points: bool
    tone: str  # "good", "bad" or "neutral"
    arrow: str  # "up", "down" or "flat"
    new: bool = False  # the reference was zero or near zero: shown as "new", not a percent


# A reference below this share of the current value is "near zero": a percentage against it
# (+127,773%) says nothing, so the change reads "new".
NEAR_ZERO_SHARE = Decimal("0.05")


def change(key: str, current: Any, reference: Any) -> Change:
    """The change of a KPI against the previous period's value."""
    now, before = _dec(current), _dec(reference)
    points = KINDS[key] == "percent"
    if now is None or before is None:
        return Change(None, points, "neutral", "flat")
    if points:
        amount: Decimal | None = (now - before) * 100
    elif before == 0 or (now > 0 and 0 <= before < now * NEAR_ZERO_SHARE):
        amount = None
    else:
        amount = (now - before) / abs(before)
    delta = now - before
    arrow = "up" if delta > 0 else "down" if delta < 0 else "flat"
    sign = (delta > 0) - (delta < 0)
    tone = "neutral"
    if sign and DIRECTION[key]:
        tone = "good" if sign == DIRECTION[key] else "bad"
    if not points and amount is None and now > 0:
        return Change(None, points, tone, arrow, new=True)
    if amount is None and arrow == "flat":
        return Change(None, points, "neutral", "flat")
    return Change(amount, points, tone, arrow)


@dataclass(frozen=True)
class TargetCheck:
    target: Decimal
    attainment: Decimal | None  # actual / target
    tone: str


def against_target(key: str, current: Any, target: Any) -> TargetCheck | None:
    if target is None:
        return None
    goal, now = _dec(target), _dec(current)
    assert goal is not None
    attainment = None if now is None or goal == 0 else now / goal
    tone = "neutral"
    if now is not None and DIRECTION[key]:
        ahead = now >= goal if DIRECTION[key] > 0 else now <= goal
        tone = "good" if ahead else "bad"
    return TargetCheck(goal, attainment, tone)


def tiles(
    summary: Mapping[str, Any],
    previous: Mapping[str, Any],
    targets: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """One group per TILE_GROUPS entry, each with its tiles (value, change, target)."""
    groups = []
    for title, keys in TILE_GROUPS:
        groups.append(
            {
                "title": title,
                "tiles": [
                    {
                        "key": key,
                        "label": LABELS[key],
                        "kind": KINDS[key],
                        "value": summary.get(key),
                        "api_value": kpis.format_value(key, summary.get(key)),
                        "previous": previous.get(key),
                        "change": change(key, summary.get(key), previous.get(key)),
                        "target": against_target(key, summary.get(key), targets.get(key)),
                    }
                    for key in keys
                ],
            }
        )
    return groups


def funnel(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The funnel steps with each step's share of the first (for the bars)."""
    top = summary.get("leads") or 0
    steps = []
    for key, label in FUNNEL:
        value = int(summary.get(key) or 0)
        share = Decimal(value) / Decimal(top) if top else None
        steps.append({"key": key, "label": label, "value": value, "share": share})
    return steps


def rejection_rows(rejections: Mapping[str, int]) -> list[dict[str, Any]]:
    """Rejection reasons with labels, the most frequent first."""
    labels = dict(RejectionReason.choices)
    rows = [
        {"reason": code, "label": labels.get(code, code), "count": int(count)}
        for code, count in rejections.items()
        if count
    ]
    rows.sort(key=lambda row: (-row["count"], str(row["label"])))
    return rows


def sort_rows(
    rows: Sequence[Mapping[str, Any]], sort: str, allowed: Sequence[str], default: str
) -> tuple[list[Mapping[str, Any]], str]:
    """Rows sorted by `sort` ("key" ascending, "-key" descending); empty values always last.

    An unknown key falls back to `default`; returns the rows and the sort actually used.
    """
    key = sort.lstrip("-")
    if key not in allowed:
        sort, key = default, default.lstrip("-")
    descending = sort.startswith("-")
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]

    def value(row: Mapping[str, Any]) -> Any:
        item = row[key]
        return str(item).casefold() if isinstance(item, str) else item

    present.sort(key=value, reverse=descending)
    return present + missing, sort


# Targets are monthly: additive ones are prorated by the days of each month in the range,
# ratios are averaged weighted by those days.
ADDITIVE_TARGETS = frozenset(
    {"leads", "mqls", "opportunities", "customers", "revenue", "marketing_spend"}
)


def range_targets(targets: Sequence[Any], start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """The target of each metric over start..end from monthly Target rows.

    A metric has a target for the range only when every month the range touches has one
    (a partial plan would make the range look ahead of or behind plan for no reason).
    """
    months = _months(start, end)
    by_metric: dict[str, dict[dt.date, Decimal]] = {}
    for target in targets:
        by_metric.setdefault(target.metric, {})[target.month.replace(day=1)] = Decimal(target.value)
    result: dict[str, Decimal] = {}
    for metric, values in by_metric.items():
        if any(month not in values for month, _days, _length in months):
            continue
        if metric in ADDITIVE_TARGETS:
            total = sum(
                (values[month] * days / length for month, days, length in months), Decimal(0)
            )
        else:
            weight = sum(days for _month, days, _length in months)
            total = sum((values[month] * days for month, days, _l in months), Decimal(0)) / weight
        result[metric] = total
    return result


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int]]:
    """(first day, days of the month inside start..end, days in the month) per month."""
    out = []
    month = start.replace(day=1)
    while month <= end:
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        first, last = max(month, start), min(nxt - dt.timedelta(days=1), end)
        out.append((month, (last - first).days + 1, (nxt - month).days))
        month = nxt
    return out
