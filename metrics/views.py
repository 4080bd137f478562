"""The shared KPI dashboard (one truth for marketing, sales and managers) and its CSV exports.

Numbers come from metrics.selectors (precomputed rollups: a constant number of queries,
whatever the data size); metrics.dashboard turns them into tiles, funnel steps and sorted
rows. The overdue handoffs list offers managers a reassign, which calls one service.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from handoff import selectors as handoff_selectors
from handoff import services as handoff_services
from leads.errors import DomainError, InvalidInput
from leads.forms import refusal_message
from leads.models import Lead
from leads.roles import MANAGER, ROLES, has_role
from metrics import dashboard, dateranges, kpis
from metrics import selectors as kpi_selectors
from metrics.exports import csv_response
from metrics.forms import DashboardFilterForm, ReassignForm

# The columns each breakdown table shows (the CSV export carries every KPI); the channel
# table shows the campaign columns but the average rating.
CAMPAIGN_COLUMNS = (
    "marketing_spend",
    "leads",
    "mqls",
    "accepted",
    "rejected",
    "acceptance_rate",
    "opportunities",
    "customers",
    "win_rate",
    "revenue",
    "cost_per_lead",
    "paid_cac",
    "romi",
    "avg_quality_rating",
)
BREAKDOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "campaign": CAMPAIGN_COLUMNS,
    "channel": tuple(c for c in CAMPAIGN_COLUMNS if c != "avg_quality_rating"),
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
EXPORT_TABLES = (
    "summary",
    "funnel",
    "trends",
    "campaign",
    "channel",
    "owner",
    "rejections",
    "overdue",
)


def _require_role(request: HttpRequest) -> None:
    if not has_role(request.user, *ROLES):
        raise PermissionDenied(_("The dashboard is for marketing, sales and managers."))


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    data: QueryDict = request.GET.copy()
    if not data.get("preset"):
        has_dates = data.get("start") or data.get("end")
        data["preset"] = dateranges.CUSTOM if has_dates else dateranges.THIS_MONTH
    return DashboardFilterForm(data)


def _query(form: DashboardFilterForm, **changes: str) -> str:
    """The dashboard's query string for the current filters, with `changes` applied."""
    params = QueryDict(mutable=True)
    for name in ("preset", "start", "end", "campaign", "channel"):
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


def _breakdown(
    form: DashboardFilterForm, by: str, sort: str = ""
) -> tuple[list[dict[str, Any]], str]:
    period = form.period()
    rows = kpi_selectors.kpi_breakdown(by=by, start=period.start, end=period.end)
    filters = form.filters()
    if by == "campaign" and "campaign" in filters:
        rows = [row for row in rows if row["campaign"] == filters["campaign"]]
    elif by in ("campaign", "channel") and "channel" in filters:
        rows = [row for row in rows if row["channel"] == filters["channel"]]
    for row in rows:
        if row[by] is None:
            row["name"] = _("Unattributed") if by != "owner" else _("Unassigned")
    allowed = ("name", *BREAKDOWN_COLUMNS[by])
    return dashboard.sort_rows(rows, sort, allowed, DEFAULT_SORT[by])


def _breakdown_table(form: DashboardFilterForm, by: str, sort: str) -> dict[str, Any]:
    rows, used = _breakdown(form, by, sort)
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
                "query": _query(form, **{f"sort_{by}": next_sort}),
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
    return {
        "by": by,
        "title": BREAKDOWN_TITLES[by],
        "name_label": NAME_LABELS[by],
        "headers": headers,
        "rows": body,
        "sort": used,
        "export_query": _query(form, table=by, **{f"sort_{by}": used}),
        "filtered": by == "owner" and bool(form.filters()),
    }


def _month_label(day: dt.date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _trends(form: DashboardFilterForm) -> dict[str, Any]:
    window = dateranges.trend_window(form.period().end)
    series = {
        metric: kpi_selectors.kpi_timeseries(
            metric=metric,
            interval="month",
            start=window.start,
            end=window.end,
            **form.filters(),
        )
        for metric in TREND_METRICS
    }
    months = [point["period_start"] for point in series["leads"]]
    rows = [
        {"month": month, **{m: series[m][i]["value"] for m in TREND_METRICS}}
        for i, month in enumerate(months)
    ]
    return {"window": window, "rows": rows}


def _chart_number(key: str, value: Any) -> float | None:
    formatted = kpis.format_value(key, value)
    return None if formatted is None else float(formatted)


def _chart_data(
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
            "labels": [_month_label(row["month"]) for row in rows],
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


def _reps() -> list[tuple[int, str]]:
    return [
        (user.pk, user.get_full_name() or user.get_username())
        for user in handoff_selectors.sales_reps()
    ]


def _overdue(
    request: HttpRequest,
    reps: list[tuple[int, str]] | None = None,
    override: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    now = timezone.now()
    can_reassign = has_role(request.user, MANAGER)
    if can_reassign and reps is None:
        reps = _reps()
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


def _dashboard_context(request: HttpRequest, form: DashboardFilterForm) -> dict[str, Any]:
    context = _numbers(form)
    summary = context["summary"]
    funnel = dashboard.funnel(summary)
    rejections = dashboard.rejection_rows(summary["rejections_by_reason"])
    trends = _trends(form)
    filters = form.filters()
    return {
        **context,
        "funnel": funnel,
        "rejections": rejections,
        "trends": trends,
        "charts": _chart_data(funnel, trends, rejections),
        "breakdowns": [
            _breakdown_table(form, by, request.GET.get(f"sort_{by}", ""))
            for by in ("campaign", "channel", "owner")
        ],
        "overdue": _overdue(request),
        "query": _query(form),
        "filtered": bool(filters),
    }


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard; an htmx request gets only the part it targets."""
    _require_role(request)
    form = _filter_form(request)
    context: dict[str, Any] = {"form": form}
    target = request.htmx.target if request.htmx else None
    if not form.is_valid():
        template = "metrics/partials/_body.html" if target == "dashboard-body" else None
        return render(request, template or "metrics/dashboard.html", context)
    by = (target or "").removeprefix("breakdown-")
    if target and by in BREAKDOWN_COLUMNS:
        table = _breakdown_table(form, by, request.GET.get(f"sort_{by}", ""))
        return render(request, "metrics/partials/_breakdown.html", {"table": table})
    context.update(_dashboard_context(request, form))
    if target == "dashboard-body":
        return render(request, "metrics/partials/_body.html", context)
    return render(request, "metrics/dashboard.html", context)


# ---------------------------------------------------------------------------------------
# Reassign an overdue handoff


@login_required
@require_POST
def reassign(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A manager hands an overdue lead to another rep (one service call)."""
    _require_role(request)
    if not has_role(request.user, MANAGER):
        raise PermissionDenied(_("Only a manager may reassign a lead."))
    try:
        handoff_selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist as exc:
        raise Http404(_("No such lead.")) from exc
    reps = _reps()
    form = ReassignForm(request.POST, reps=reps, prefix=f"reassign-{lead_id}")
    notice = error = ""
    if form.is_valid():
        try:
            lead = handoff_services.lead_reassign(
                lead_id=lead_id, actor=request.user, assignee_id=form.cleaned_data["assignee"]
            )
        except DomainError as exc:
            error = refusal_message(exc)
            if isinstance(exc, InvalidInput) and "assignee" in exc.errors:
                form.add_error("assignee", exc.errors["assignee"])
                error = ""
        else:
            names = dict(reps)
            notice = _("Reassigned %(lead)s to %(rep)s.") % {
                "lead": lead,
                "rep": names.get(form.cleaned_data["assignee"], ""),
            }
    if not request.htmx:
        if notice:
            messages.success(request, notice)
        else:
            messages.error(request, error or _("Choose a rep to reassign the lead to."))
        return redirect(reverse("metrics:dashboard") + "#overdue")
    override = {} if notice else {lead_id: {"form": form}}
    context = {
        "overdue": _overdue(request, reps=reps, override=override),
        "notice": notice,
        "error": error,
    }
    return render(request, "metrics/partials/_overdue.html", context)


# ---------------------------------------------------------------------------------------
# CSV exports


def _kpi_cell(key: str, value: Any) -> Any:
    """A KPI as the API writes it: money with two places, rates with four, counts whole."""
    formatted = kpis.format_value(key, value)
    if key in kpis.MONEY_KEYS and formatted is not None:
        return Decimal(formatted)
    return formatted


def _export_summary(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
    context = _numbers(form)
    header = [
        _("key"),
        _("KPI"),
        _("value"),
        _("previous period"),
        _("target"),
        _("start"),
        _("end"),
    ]
    rows = []
    for group in context["tile_groups"]:
        for tile in group["tiles"]:
            target = tile["target"].target if tile["target"] else None
            rows.append(
                [
                    tile["key"],
                    str(tile["label"]),
                    _kpi_cell(tile["key"], tile["value"]),
                    _kpi_cell(tile["key"], tile["previous"]),
                    _kpi_cell(tile["key"], target),
                    context["period"].start,
                    context["period"].end,
                ]
            )
    return header, rows


def _numbers(form: DashboardFilterForm) -> dict[str, Any]:
    period, previous = form.period(), form.previous()
    filters = form.filters()
    summary = kpi_selectors.kpi_summary(start=period.start, end=period.end, **filters)
    before = kpi_selectors.kpi_summary(start=previous.start, end=previous.end, **filters)
    targets: dict[str, Any] = {}
    if "campaign" not in filters:
        monthly = kpi_selectors.targets_for(
            start=period.start, end=period.end, channel=filters.get("channel")
        )
        targets = dashboard.range_targets(monthly, period.start, period.end)
    return {
        "period": period,
        "previous": previous,
        "summary": summary,
        "tile_groups": dashboard.tiles(summary, before, targets),
    }


def _export_funnel(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
    period = form.period()
    summary = kpi_selectors.kpi_summary(start=period.start, end=period.end, **form.filters())
    rows = [
        [step["key"], str(step["label"]), step["value"], _kpi_cell("close_rate", step["share"])]
        for step in dashboard.funnel(summary)
    ]
    return [_("key"), _("step"), _("count"), _("share of leads")], rows


def _export_rejections(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
    period = form.period()
    summary = kpi_selectors.kpi_summary(start=period.start, end=period.end, **form.filters())
    rows = [
        [row["reason"], str(row["label"]), row["count"]]
        for row in dashboard.rejection_rows(summary["rejections_by_reason"])
    ]
    return [_("reason"), _("label"), _("rejected")], rows


def _export_trends(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
    trends = _trends(form)
    header = [_("month"), *TREND_METRICS]
    rows = [
        [row["month"], *[_kpi_cell(m, row[m]) for m in TREND_METRICS]] for row in trends["rows"]
    ]
    return header, rows


def _export_breakdown(by: str) -> Callable[[HttpRequest, DashboardFilterForm], tuple[list, list]]:
    def export(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
        rows, _used = _breakdown(form, by, request.GET.get(f"sort_{by}", ""))
        keys = [k for k in kpis.KEYS if k not in kpis.DICT_KEYS]
        ident = ["campaign", "channel"] if by == "campaign" else [by]
        header = [*ident, "name", *keys]
        body = [
            [row.get(i) for i in ident]
            + [row["name"]]
            + [_kpi_cell(key, row.get(key)) for key in keys]
            for row in rows
        ]
        return header, body

    return export


def _export_overdue(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
    """Every overdue handoff the user may see (the page lists the first OVERDUE_LIMIT)."""
    now = timezone.now()
    header = [
        _("lead id"),
        _("lead"),
        _("company"),
        _("campaign"),
        _("rep"),
        _("handed off at"),
        _("SLA due at"),
        _("hours overdue"),
    ]
    rows = []
    for handoff in handoff_selectors.overdue_handoffs(user=request.user, now=now):
        lead = handoff.lead
        rows.append(
            [
                lead.pk,
                str(lead),
                lead.company,
                lead.campaign.name if lead.campaign else "",
                handoff.assignee.get_full_name() or handoff.assignee.get_username(),
                handoff.handed_off_at,
                handoff.sla_due_at,
                round(Decimal((now - handoff.sla_due_at).total_seconds()) / 3600, 2),
            ]
        )
    return header, rows


EXPORTERS: dict[str, Callable[[HttpRequest, DashboardFilterForm], tuple[list, list]]] = {
    "summary": _export_summary,
    "funnel": _export_funnel,
    "trends": _export_trends,
    "campaign": _export_breakdown("campaign"),
    "channel": _export_breakdown("channel"),
    "owner": _export_breakdown("owner"),
    "rejections": _export_rejections,
    "overdue": _export_overdue,
}


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """One dashboard table as CSV, for the same range and filters as the page."""
    _require_role(request)
    table = request.GET.get("table", "")
    form = _filter_form(request)
    if table not in EXPORTERS or not form.is_valid():
        messages.error(request, _("That export does not exist or its filters are not valid."))
        response = redirect(reverse("metrics:dashboard") + "?" + _query(form))
        return response
    header, rows = EXPORTERS[table](request, form)
    period = form.period()
    filename = f"{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return csv_response(filename, header, rows)
