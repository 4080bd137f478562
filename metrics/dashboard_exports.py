"""The dashboard's CSV exports: one exporter per table, for the same range and filters as
the page (cells neutralised by metrics.exports)."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff import selectors as handoff_selectors
from leads.roles import user_label
from metrics import dashboard, kpis
from metrics import selectors as kpi_selectors
from metrics.dashboard_page import (
    TREND_METRICS,
    breakdown_rows,
    summary_numbers,
    trend_rows,
)
from metrics.forms import DashboardFilterForm


def _kpi_cell(key: str, value: Any) -> Any:
    """A KPI as the API writes it: money with two places, rates with four, counts whole."""
    formatted = kpis.format_value(key, value)
    if key in kpis.MONEY_KEYS and formatted is not None:
        return Decimal(formatted)
    return formatted


def _export_summary(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
    context = summary_numbers(form)
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
    trends = trend_rows(form)
    header = [_("month"), *TREND_METRICS]
    rows = [
        [row["month"], *[_kpi_cell(m, row[m]) for m in TREND_METRICS]] for row in trends["rows"]
    ]
    return header, rows


def _export_breakdown(by: str) -> Callable[[HttpRequest, DashboardFilterForm], tuple[list, list]]:
    def export(request: HttpRequest, form: DashboardFilterForm) -> tuple[list, list]:
        rows, _used = breakdown_rows(form, by, request.GET.get(f"sort_{by}", ""))
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
                user_label(handoff.assignee),
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
