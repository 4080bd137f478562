"""KPI reads: summary, time series and breakdown from the daily rollups, and targets.

Every answer is a constant number of grouped queries over the rollup tables, whatever
the range or the data size. Values are Python values (Decimal money, int counts, Decimal
ratios unrounded, dict for rejections_by_reason); metrics.kpis.format_for_api formats them.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from leads.models import Campaign, Channel
from metrics import kpis
from metrics.freshness import refresh_status
from metrics.models import (
    FACT_FIELDS,
    REASON_CODES,
    CampaignDay,
    MqlRepeat,
    OwnerDay,
    SalesCostDay,
    Target,
)

INTERVALS = ("day", "week", "month")
BREAKDOWNS = ("campaign", "channel", "owner")
UNATTRIBUTED = "Unattributed"
UNASSIGNED = "Unassigned"


def _check_range(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ValueError("start and end must be dates (YYYY-MM-DD)")
    if isinstance(start, dt.datetime):
        start = start.date()
    if isinstance(end, dt.datetime):
        end = end.date()
    if start > end:
        raise ValueError(f"start ({start}) must not be after end ({end})")
    return start, end


class _Scope:
    """Which rollup rows a filter reads and which money keys apply under it."""

    def __init__(self, campaign: int | None, channel: str | None, owner: int | None) -> None:
        given = [
            name
            for name, v in (("campaign", campaign), ("channel", channel), ("owner", owner))
            if v is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give at most one filter, not {' and '.join(given)}")
        if channel is not None and channel not in Channel.values:
            raise ValueError(f"unknown channel {channel!r}; one of {', '.join(Channel.values)}")
        self.filtered = bool(given)
        self.by_owner = owner is not None
        self.model = OwnerDay if self.by_owner else CampaignDay
        if campaign is not None:
            self.q = Q(campaign_id=campaign)
        elif channel is not None:
            self.q = Q(campaign__channel=channel)
        elif owner is not None:
            self.q = Q(owner_id=owner)
        else:
            self.q = Q()
        self.spend = not self.by_owner  # spend has no owner: null under an owner filter
        self.sales = not self.filtered  # sales cost: null under any filter (kpis.md)


def _fact_sums(model: type, group_prefix: str = "") -> dict[str, Sum]:
    sums = {f"{group_prefix}{name}": Sum(name) for name in FACT_FIELDS}
    if model is CampaignDay:
        sums[f"{group_prefix}marketing_spend"] = Sum("marketing_spend")
    return sums


def _parts(
    row: dict[str, Any] | None,
    *,
    repeats: int,
    spend: bool,
    sales_cost: Decimal | None,
    prefix: str = "",
) -> dict[str, Any]:
    """Summed parts for kpis.compute from one aggregate row (None: no rows at all)."""
    row = row or {}
    parts: dict[str, Any] = {}
    for name in FACT_FIELDS:
        value = row.get(f"{prefix}{name}")
        if name in ("response_total", "sales_cycle_total"):
            parts[name] = value or dt.timedelta(0)
        elif name == "revenue":
            parts[name] = value or Decimal("0")
        else:
            parts[name] = value or 0
    parts["mqls"] = parts["mqls"] - repeats
    parts["marketing_spend"] = (
        (row.get(f"{prefix}marketing_spend") or Decimal("0")) if spend else None
    )
    parts["sales_cost"] = sales_cost
    parts["rejections"] = {code: parts[f"rejected_{code}"] for code in REASON_CODES}
    return parts


def kpi_summary(
    *,
    start: dt.date,
    end: dt.date,
    campaign: int | None = None,
    channel: str | None = None,
    owner: int | None = None,
) -> dict[str, Any]:
    """Every key of kpis.md for start..end (inclusive), optionally for one campaign, channel
    or owner, plus start, end, computed_at, stale and failing_cells (metrics.freshness).
    Four queries."""
    start, end = _check_range(start, end)
    scope = _Scope(campaign, channel, owner)
    days = Q(day__gte=start, day__lte=end)
    row = scope.model.objects.filter(days, scope.q).aggregate(**_fact_sums(scope.model))
    repeats = MqlRepeat.objects.filter(days, scope.q, prev_day__gte=start).aggregate(
        n=Sum("leads")
    )["n"]
    sales_cost = None
    if scope.sales:
        sales_cost = SalesCostDay.objects.filter(days).aggregate(v=Sum("sales_cost"))["v"]
        sales_cost = sales_cost or Decimal("0")
    parts = _parts(row, repeats=repeats or 0, spend=scope.spend, sales_cost=sales_cost)
    status = refresh_status()
    return {
        "start": start,
        "end": end,
        **kpis.compute(parts),
        "computed_at": status.refreshed_at,
        "stale": status.stale,
        "failing_cells": status.failing_cells,
    }


def _period_start(day: dt.date, interval: str) -> dt.date:
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _next_period(period: dt.date, interval: str) -> dt.date:
    if interval == "week":
        return period + dt.timedelta(days=7)
    if interval == "month":
        return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return period + dt.timedelta(days=1)


def _periods(start: dt.date, end: dt.date, interval: str) -> list[dt.date]:
    periods, period = [], _period_start(start, interval)
    while period <= end:
        periods.append(period)
        period = _next_period(period, interval)
    return periods


def _trunc(interval: str) -> Any:
    if interval == "week":
        return TruncWeek("day")
    if interval == "month":
        return TruncMonth("day")
    return F("day")


def kpi_timeseries(
    *,
    metric: str,
    interval: str,
    start: dt.date,
    end: dt.date,
    campaign: int | None = None,
    channel: str | None = None,
    owner: int | None = None,
) -> list[dict[str, Any]]:
    """[{period_start, value}] of one KPI for every day / ISO week (Monday) / month that
    overlaps start..end, oldest first; each period counts only its days inside the range,
    and ratios are computed per period. Three queries."""
    return kpi_series(
        metrics=(metric,),
        interval=interval,
        start=start,
        end=end,
        campaign=campaign,
        channel=channel,
        owner=owner,
    )[metric]


def kpi_series(
    *,
    metrics: tuple[str, ...],
    interval: str,
    start: dt.date,
    end: dt.date,
    campaign: int | None = None,
    channel: str | None = None,
    owner: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """{metric: [{period_start, value}]} for several KPIs at once (kpi_timeseries' rules):
    the same three grouped queries whatever the number of metrics."""
    for metric in metrics:
        if metric not in kpis.KEYS:
            raise ValueError(f"unknown metric {metric!r}; one of {', '.join(kpis.KEYS)}")
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; one of {', '.join(INTERVALS)}")
    start, end = _check_range(start, end)
    scope = _Scope(campaign, channel, owner)
    days = Q(day__gte=start, day__lte=end)
    rows = {
        row["period"]: row
        for row in scope.model.objects.filter(days, scope.q)
        .annotate(period=_trunc(interval))
        .order_by()
        .values("period")
        .annotate(**_fact_sums(scope.model))
    }
    # A repeat counts against its period when the earlier mql day is in the same period
    # (and in the range): mqls stay distinct per period.
    repeats: dict[dt.date, int] = defaultdict(int)
    for day, prev_day, n in (
        MqlRepeat.objects.filter(days, scope.q, prev_day__gte=start)
        .order_by()
        .values_list("day", "prev_day")
        .annotate(n=Sum("leads"))
    ):
        period = _period_start(day, interval)
        if prev_day >= period:
            repeats[period] += n
    sales: dict[dt.date, Decimal] = {}
    if scope.sales:
        sales = {
            row["period"]: row["v"]
            for row in SalesCostDay.objects.filter(days)
            .annotate(period=_trunc(interval))
            .order_by()
            .values("period")
            .annotate(v=Sum("sales_cost"))
        }
    series: dict[str, list[dict[str, Any]]] = {metric: [] for metric in metrics}
    for period in _periods(start, end, interval):
        parts = _parts(
            rows.get(period),
            repeats=repeats[period],
            spend=scope.spend,
            sales_cost=(sales.get(period) or Decimal("0")) if scope.sales else None,
        )
        values = kpis.compute(parts)
        for metric in metrics:
            series[metric].append({"period_start": period, "value": values[metric]})
    return series


def _owner_label(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or username or ""


def kpi_breakdown(
    *, by: str, start: dt.date, end: dt.date, with_parts: bool = False
) -> list[dict[str, Any]]:
    """One row per campaign (every campaign, plus the unattributed bucket), per channel
    (every channel that has a campaign, plus unattributed) or per owner (every owner with
    facts in the range, plus unassigned leads), each with the summary keys under that
    filter (`with_parts`: and its summed parts, for a totals row: kpis.add_parts). Three
    queries."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; one of {', '.join(BREAKDOWNS)}")
    start, end = _check_range(start, end)
    days = Q(day__gte=start, day__lte=end)
    key = {"campaign": "campaign_id", "channel": "campaign__channel", "owner": "owner_id"}[by]
    model = OwnerDay if by == "owner" else CampaignDay
    sums = {
        row[key]: row
        for row in model.objects.filter(days).order_by().values(key).annotate(**_fact_sums(model))
    }
    repeats = dict(
        MqlRepeat.objects.filter(days, prev_day__gte=start)
        .order_by()
        .values_list(key)
        .annotate(n=Sum("leads"))
    )
    labels: list[dict[str, Any]] = []
    if by == "campaign":
        for cid, name, channel in Campaign.objects.order_by("name").values_list(
            "id", "name", "channel"
        ):
            labels.append({"campaign": cid, "name": name, "channel": channel})
        labels.append({"campaign": None, "name": UNATTRIBUTED, "channel": None})
    elif by == "channel":
        used = set(Campaign.objects.values_list("channel", flat=True).distinct()) | {
            k for k in sums if k
        }
        labels = [
            {"channel": code, "name": str(label)} for code, label in Channel.choices if code in used
        ]
        labels.append({"channel": None, "name": UNATTRIBUTED})
    else:
        owner_ids = {k for k in sums if k is not None}
        users = (
            get_user_model()
            .objects.filter(id__in=owner_ids)
            .order_by("first_name", "last_name", "username")
        )
        for uid, first, last, username in users.values_list(
            "id", "first_name", "last_name", "username"
        ):
            labels.append({"owner": uid, "name": _owner_label(first, last, username)})
        labels.append({"owner": None, "name": UNASSIGNED})
    result = []
    for label in labels:
        ref = label[by]
        parts = _parts(
            sums.get(ref), repeats=repeats.get(ref) or 0, spend=by != "owner", sales_cost=None
        )
        row = {**label, **kpis.compute(parts)}
        if with_parts:
            row["parts"] = parts
        result.append(row)
    return result


def targets_for(
    *, start: dt.date, end: dt.date, channel: str | None = None, owner: int | None = None
) -> list[Target]:
    """The targets of every month overlapping start..end: overall ones (channel and owner
    empty), the given channel's, or the given rep's."""
    start, end = _check_range(start, end)
    return list(
        Target.objects.filter(
            month__gte=start.replace(day=1), month__lte=end, channel=channel, owner_id=owner
        ).order_by("month", "metric")
    )


def owner_targets_for(*, start: dt.date, end: dt.date) -> dict[int, list[Target]]:
    """Every rep's targets of the months overlapping start..end, by rep id. One query."""
    start, end = _check_range(start, end)
    by_owner: dict[int, list[Target]] = defaultdict(list)
    for target in Target.objects.filter(
        month__gte=start.replace(day=1), month__lte=end, owner__isnull=False
    ).order_by("month", "metric"):
        by_owner[target.owner_id].append(target)
    return dict(by_owner)


def kpi_summaries(*, ranges: list[tuple[dt.date, dt.date]]) -> list[dict[str, Any]]:
    """kpi_summary (unfiltered) for several ranges at once, in their order: four queries
    whatever the number of ranges (one conditional sum per range and column)."""
    checked = [_check_range(start, end) for start, end in ranges]
    if not checked:
        return []
    sums: dict[str, Sum] = {}
    repeat_sums: dict[str, Sum] = {}
    for i, (start, end) in enumerate(checked):
        days = Q(day__gte=start, day__lte=end)
        for name, aggregate in _fact_sums(CampaignDay, group_prefix=f"r{i}_").items():
            sums[name] = Sum(aggregate.source_expressions[0], filter=days)
        repeat_sums[f"r{i}"] = Sum("leads", filter=days & Q(prev_day__gte=start))
    row = CampaignDay.objects.aggregate(**sums)
    repeats = MqlRepeat.objects.aggregate(**repeat_sums)
    sales = SalesCostDay.objects.aggregate(
        **{
            f"r{i}": Sum("sales_cost", filter=Q(day__gte=start, day__lte=end))
            for i, (start, end) in enumerate(checked)
        }
    )
    status = refresh_status()
    result = []
    for i, (start, end) in enumerate(checked):
        parts = _parts(
            row,
            repeats=repeats[f"r{i}"] or 0,
            spend=True,
            sales_cost=sales[f"r{i}"] or Decimal("0"),
            prefix=f"r{i}_",
        )
        result.append(
            {
                "start": start,
                "end": end,
                **kpis.compute(parts),
                "computed_at": status.refreshed_at,
                "stale": status.stale,
                "failing_cells": status.failing_cells,
            }
        )
    return result


def campaign_budget(*, campaign: Campaign, today: dt.date) -> dict[str, Any]:
    """The campaign's budget against its spend to date (the rollups' daily shares through
    `today`, so a period entry counts only its days so far): budget, spent, remaining and
    the share used (None without a budget). One query."""
    spent = CampaignDay.objects.filter(campaign_id=campaign.pk, day__lte=today).aggregate(
        v=Sum("marketing_spend")
    )["v"] or Decimal("0")
    return kpis.budget_use(campaign.budget, spent)


# --------------------------------------------------------------------------- loss reasons


def loss_reason_breakdown(
    *,
    start: dt.date,
    end: dt.date,
    campaign: int | None = None,
    channel: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Deals lost with `closed_at` in [start, end] (the project's days), counted by loss reason
    for each rep and for each campaign: two grouped queries whatever the number of deals.

    Each row: `key`, `name`, `counts` ({code: n} over LossReason, zeros included), `total`;
    rows by total, largest first."""
    from django.db.models import Count
    from django.utils import timezone

    from leads.models import LossReason, Opportunity, OpportunityStage

    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    lost = Opportunity.objects.filter(
        stage=OpportunityStage.LOST, closed_at__gte=since, closed_at__lt=until
    )
    if campaign is not None:
        lost = lost.filter(lead__campaign_id=campaign)
    elif channel:
        lost = lost.filter(lead__campaign__channel=channel)

    def pivot(rows: Any, key: str, name: Any) -> list[dict[str, Any]]:
        table: dict[Any, dict[str, Any]] = {}
        for row in rows:
            entry = table.setdefault(
                row[key],
                {"key": row[key], "name": name(row), "counts": dict.fromkeys(LossReason.values, 0)},
            )
            if row["lost_reason"] in entry["counts"]:
                entry["counts"][row["lost_reason"]] += row["n"]
        for entry in table.values():
            entry["total"] = sum(entry["counts"].values())
        return sorted(table.values(), key=lambda e: (-e["total"], str(e["name"])))

    by_rep = (
        lost.values(
            "owner_id", "owner__first_name", "owner__last_name", "owner__username", "lost_reason"
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    by_campaign = (
        lost.values("lead__campaign_id", "lead__campaign__name", "lost_reason")
        .annotate(n=Count("id"))
        .order_by()
    )

    def rep_name(row: dict[str, Any]) -> str:
        full = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
        return full or row["owner__username"]

    return {
        "by_rep": pivot(by_rep, "owner_id", rep_name),
        "by_campaign": pivot(
            by_campaign, "lead__campaign_id", lambda row: row["lead__campaign__name"] or ""
        ),
    }
