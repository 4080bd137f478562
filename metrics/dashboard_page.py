"""The dashboard page, piece by piece: the filter form, breakdown tables, trends, chart
data and overdue rows, each read from its selectors (a constant number of queries)."""

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handoff import selectors as handoff_selectors
from leads.roles import MANAGER, has_role, user_label
from metrics import dashboard, dashboard_cache, dateranges, kpis
from metrics import selectors as kpi_selectors
from metrics.diagnosis_page import panel_context
from metrics.forms import DashboardFilterForm, ReassignForm
from metrics.freshness import refresh_status

# The columns each breakdown table shows (the CSV export carries every KPI): fewer than the
# export, so the campaign table reads at desktop width without sideways scrolling.
CAMPAIGN_COLUMNS = (
    "marketing_spend",
    "leads",
    "mqls",
    "acceptance_rate",
    "opportunities",
    "customers",
    "win_rate",
    "revenue",
    "cost_per_lead",
    "paid_cac",
    "romi",
)
BREAKDOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "campaign": CAMPAIGN_COLUMNS,
    "channel": CAMPAIGN_COLUMNS,
    "owner": (
        "handoffs",
        "accepted",
        "rejected",
        "acceptance_rate",
        "sla_compliance_rate",
        "avg_response_hours",
        "opportunities",
        "customers",
        "lost",
        "win_rate",
        "revenue",
        "avg_quality_rating",
    ),
}
BREAKDOWN_TITLES = {
    "campaign": gettext_lazy("By campaign"),
    "channel": gettext_lazy("By channel"),
    "owner": gettext_lazy("By rep"),
}
NAME_LABELS = {
    "campaign": gettext_lazy("Campaign"),
    "channel": gettext_lazy("Channel"),
    "owner": gettext_lazy("Rep"),
}
DEFAULT_SORT = {"campaign": "-leads", "channel": "-leads", "owner": "-handoffs"}
TREND_METRICS = ("leads", "cost_per_lead", "cac", "paid_cac", "win_rate")
OVERDUE_LIMIT = 50


def filter_form(request: HttpRequest) -> DashboardFilterForm:
    data: QueryDict = request.GET.copy()
    if not data.get("preset"):
        has_dates = data.get("start") or data.get("end")
        data["preset"] = dateranges.CUSTOM if has_dates else dateranges.DEFAULT_PRESET
    return DashboardFilterForm(data, reps=rep_choices)


def query_string(form: DashboardFilterForm, **changes: str) -> str:
    """The dashboard's query string for the current filters, with `changes` applied."""
    params = QueryDict(mutable=True)
    for name in ("preset", "start", "end", "campaign", "channel", "owner"):
        value = form.data.get(name)
        if value:
            params[name] = value
    for name, value in changes.items():
        if value:
            params[name] = value
        else:
            params.pop(name, None)
    return params.urlencode()


# ---------------------------------------------------------------------------------------
# Pieces of the page (each reads its selectors)


def breakdown_rows(
    form: DashboardFilterForm, by: str, sort: str = ""
) -> tuple[list[dict[str, Any]], str]:
    period = form.period()
    rows = kpi_selectors.kpi_breakdown(by=by, start=period.start, end=period.end, with_parts=True)
    filters = form.filters()
    if by == "campaign" and "campaign" in filters:
        rows = [row for row in rows if row["campaign"] == filters["campaign"]]
    elif by in ("campaign", "channel") and "channel" in filters:
        rows = [row for row in rows if row["channel"] == filters["channel"]]
    elif by == "owner" and "owner" in filters:
        rows = [row for row in rows if row["owner"] == filters["owner"]]
    for row in rows:
        if row[by] is None:
            row["name"] = _("Unattributed") if by != "owner" else _("Unassigned")
            # Spend belongs to campaigns: a ratio over the unattributed row's zero spend
            # means nothing, so it shows "—" rather than $0.00.
            row.update(dict.fromkeys(kpis.SPEND_RATIOS))
    allowed = ("name", *BREAKDOWN_COLUMNS[by])
    return dashboard.sort_rows(rows, sort, allowed, DEFAULT_SORT[by])


def breakdown_table(form: DashboardFilterForm, by: str, sort: str) -> dict[str, Any]:
    rows, used = breakdown_rows(form, by, sort)
    key, descending = used.lstrip("-"), used.startswith("-")
    headers = []
    for column in ("name", *BREAKDOWN_COLUMNS[by]):
        if column == key:
            state = "descending" if descending else "ascending"
            next_sort = column if descending else f"-{column}"
        else:
            state = ""
            next_sort = column if column == "name" else f"-{column}"
        headers.append(
            {
                "key": column,
                "label": NAME_LABELS[by] if column == "name" else dashboard.LABELS[column],
                "kind": dashboard.KINDS.get(column, "text"),
                "sorted": state,
                "query": query_string(form, **{f"sort_{by}": next_sort}),
            }
        )
    body = [
        {
            "name": row["name"],
            "cells": [
                {
                    "key": c,
                    "kind": dashboard.KINDS[c],
                    "value": row.get(c),
                    "label": dashboard.LABELS[c],
                }
                for c in BREAKDOWN_COLUMNS[by]
            ],
        }
        for row in rows
    ]
    total = kpis.compute(kpis.add_parts(row["parts"] for row in rows)) if rows else None
    total_cells = (
        None
        if total is None
        else [
            {
                "key": c,
                "kind": dashboard.KINDS[c],
                "value": total.get(c),
                "label": dashboard.LABELS[c],
            }
            for c in BREAKDOWN_COLUMNS[by]
        ]
    )
    if by == "owner":
        quotas = _add_quota_cells(form, rows, headers, body)
        if total is not None and total_cells is not None:
            total_cells += [
                {
                    "key": f"quota_{key}",
                    "kind": "percent",
                    "value": kpis.ratio(total.get(key), quotas.get(key)),
                    "label": label,
                }
                for key, label in QUOTA_COLUMNS.items()
            ]
    return {
        "by": by,
        "total": total_cells,
        "title": BREAKDOWN_TITLES[by],
        "name_label": NAME_LABELS[by],
        "headers": headers,
        "rows": body,
        "sort": used,
        "export_query": query_string(form, table=by, **{f"sort_{by}": used}),
        "filtered": by == "owner" and bool(form.filters()) and "owner" not in form.filters(),
        "owner_filtered": by != "owner" and "owner" in form.filters(),
    }


QUOTA_COLUMNS = {
    "customers": gettext_lazy("Customers vs quota"),
    "revenue": gettext_lazy("Revenue vs quota"),
}


def _add_quota_cells(
    form: DashboardFilterForm,
    rows: Sequence[Mapping[str, Any]],
    headers: list[dict[str, Any]],
    body: list[dict[str, Any]],
) -> dict[str, Decimal]:
    """Quota attainment on the by-rep table: customers and revenue against each rep's
    quota (their customers / revenue targets) prorated by day to the period. One query.
    Returns the reps' prorated quotas added up, for the totals row."""
    period = form.period()
    quotas = kpi_selectors.owner_targets_for(start=period.start, end=period.end)
    for key, label in QUOTA_COLUMNS.items():
        headers.append(
            {"key": f"quota_{key}", "label": label, "kind": "percent", "sorted": "", "plain": True}
        )
    summed: dict[str, Decimal] = {}
    for row, line in zip(rows, body, strict=True):
        prorated = dashboard.range_targets(quotas.get(row["owner"], []), period.start, period.end)
        for key, value in prorated.items():
            summed[key] = summed.get(key, Decimal("0")) + value
        for key, label in QUOTA_COLUMNS.items():
            line["cells"].append(
                {
                    "key": f"quota_{key}",
                    "kind": "percent",
                    "value": kpis.ratio(row[key], prorated.get(key)),
                    "label": label,
                    "quota": prorated.get(key),
                }
            )
    return summed


def period_label(day: dt.date, interval: str) -> str:
    """A trend row's label: the month, or the first day of the day / week."""
    if interval == dateranges.MONTH:
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def trend_rows(form: DashboardFilterForm) -> dict[str, Any]:
    """The trends over the chosen range, by day, week or month (dateranges.trend_interval)."""
    window = form.period()
    interval = dateranges.trend_interval(window)
    series = kpi_selectors.kpi_series(
        metrics=TREND_METRICS,
        interval=interval,
        start=window.start,
        end=window.end,
        **form.filters(),
    )
    periods = [point["period_start"] for point in series["leads"]]
    rows = [
        {
            "month": period,
            "label": period_label(period, interval),
            **{m: series[m][i]["value"] for m in TREND_METRICS},
        }
        for i, period in enumerate(periods)
    ]
    return {"window": window, "interval": interval, "rows": rows}


def _chart_number(key: str, value: Any) -> float | None:
    formatted = kpis.format_value(key, value)
    return None if formatted is None else float(formatted)


def chart_data(
    funnel: Sequence[Mapping[str, Any]],
    trends: Mapping[str, Any],
    rejections: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Everything the charts draw, with translated labels (read by static/js/dashboard.js)."""
    rows = trends["rows"]
    return {
        "funnel": {
            "labels": [str(step["label"]) for step in funnel],
            "values": [step["value"] for step in funnel],
            "label": _("Count"),
        },
        "trend": {
            "labels": [row["label"] for row in rows],
            "leads": [row["leads"] for row in rows],
            "cost_per_lead": [_chart_number("cost_per_lead", row["cost_per_lead"]) for row in rows],
            "cac": [_chart_number("cac", row["cac"]) for row in rows],
            "paid_cac": [_chart_number("paid_cac", row["paid_cac"]) for row in rows],
            "win_rate": [
                None if row["win_rate"] is None else round(float(row["win_rate"]) * 100, 1)
                for row in rows
            ],
            "labels_leads": _("Leads"),
            "labels_cpl": _("Cost per lead"),
            "labels_cac": _("CAC"),
            "labels_paid_cac": _("Paid CAC"),
            "labels_win_rate": _("Win rate (%)"),
        },
        "rejections": {
            "labels": [str(row["label"]) for row in rejections],
            "values": [row["count"] for row in rejections],
            "label": _("Rejected leads"),
        },
    }


def rep_choices() -> list[tuple[int, str]]:
    return [(user.pk, user_label(user)) for user in handoff_selectors.sales_reps()]


def overdue_rows(
    request: HttpRequest,
    reps: list[tuple[int, str]] | None = None,
    override: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    now = timezone.now()
    can_reassign = has_role(request.user, MANAGER)
    if can_reassign and reps is None:
        reps = rep_choices()
    handoffs = list(
        handoff_selectors.overdue_handoffs(user=request.user, now=now)[: OVERDUE_LIMIT + 1]
    )
    rows = []
    for handoff in handoffs[:OVERDUE_LIMIT]:
        row: dict[str, Any] = {
            "handoff": handoff,
            "lead": handoff.lead,
            "overdue_hours": (now - handoff.sla_due_at).total_seconds() / 3600,
        }
        if can_reassign:
            others = [(pk, name) for pk, name in reps or () if pk != handoff.assignee_id]
            row["form"] = ReassignForm(reps=others, prefix=f"reassign-{handoff.lead_id}")
        if override and handoff.lead_id in override:
            row.update(override[handoff.lead_id])
        rows.append(row)
    return {
        "rows": rows,
        "more": len(handoffs) > OVERDUE_LIMIT,
        "can_reassign": can_reassign,
        "now": now,
    }


def _once(compute: Callable[[], Any]) -> Callable[[], Any]:
    """A value the template computes on first use only (a callable variable), so a cached
    fragment that is not rendered costs nothing."""
    return functools.cache(compute)


def dashboard_context(request: HttpRequest, form: DashboardFilterForm) -> dict[str, Any]:
    """The page's context. The last refresh (with the targets, filters, language and roles)
    keys the cache (metrics.dashboard_cache): the tiles' summary is read on a miss only,
    and trends, charts, the diagnosis panel and the breakdown tables only when the cached
    fragment misses."""
    sorts = {by: request.GET.get(f"sort_{by}", "") for by in ("campaign", "channel", "owner")}
    status = refresh_status()
    rollup_cache = dashboard_cache.fragment(request, form, status, sorts)
    context = {
        **dashboard_cache.summary(rollup_cache, lambda: summary_numbers(form)),
        # Why the numbers are stale (the live status, not the cached one).
        "freshness": status if status.stale else None,
    }
    summary = context["summary"]
    funnel = dashboard.funnel(summary)
    rejections = dashboard.rejection_rows(summary["rejections_by_reason"])
    trends = _once(lambda: trend_rows(form))
    filters = form.filters()
    return {
        **context,
        "funnel": funnel,
        "rejections": rejections,
        "trends": trends,
        "charts": _once(lambda: chart_data(funnel, trends(), rejections)),
        "diagnosis": _once(
            lambda: panel_context(
                summary, context["before"], context["period"], context["previous"], filters
            )
        ),
        "breakdowns": _once(lambda: [breakdown_table(form, by, sorts[by]) for by in sorts]),
        "rollup_cache": rollup_cache,
        "overdue": overdue_rows(
            request, reps=form.reps() if has_role(request.user, MANAGER) else None
        ),
        "query": query_string(form),
        "filtered": bool(filters),
    }


def summary_numbers(form: DashboardFilterForm) -> dict[str, Any]:
    period, previous = form.period(), form.previous()
    filters = form.filters()
    summary = kpi_selectors.kpi_summary(start=period.start, end=period.end, **filters)
    before = kpi_selectors.kpi_summary(start=previous.start, end=previous.end, **filters)
    targets: dict[str, Any] = {}
    if "campaign" not in filters:
        monthly = kpi_selectors.targets_for(
            start=period.start,
            end=period.end,
            channel=filters.get("channel"),
            owner=filters.get("owner"),
        )
        targets = dashboard.range_targets(monthly, period.start, period.end)
    return {
        "period": period,
        "previous": previous,
        "summary": summary,
        "before": before,
        "tile_groups": dashboard.tiles(summary, before, targets),
        # Why the numbers are stale, read only when they are (one more query then).
        "freshness": kpi_selectors.refresh_status() if summary["stale"] else None,
    }
