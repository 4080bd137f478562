"""The targets grid (rows = metrics, columns = the 12 months of a year) for one scope
(overall, a channel or a rep), and a rep's own quota strip for the inbox header."""

import datetime as dt
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from handoff import selectors as handoff_selectors
from leads.models import Channel
from leads.roles import user_label
from metrics import dashboard, dateranges, kpis
from metrics.models import TargetMetric
from metrics.selectors import kpi_summary, targets_for

# A rep's customers and revenue targets are their quota.
QUOTA_METRICS = ("customers", "revenue")
OVERALL = "overall"


def scope_choices() -> list[tuple[str, str]]:
    """`overall`, `channel:<code>` per channel, `owner:<id>` per active rep (one query)."""
    choices = [(OVERALL, str(_("Overall")))]
    choices += [(f"channel:{code}", str(label)) for code, label in Channel.choices]
    choices += [
        (f"owner:{rep.pk}", _("Rep: %(name)s") % {"name": user_label(rep)})
        for rep in handoff_selectors.sales_reps()
    ]
    return choices


def parse_scope(value: str, choices: list[tuple[str, str]]) -> tuple[str, dict[str, Any]]:
    """(scope, {channel | owner}) of a scope value; an unknown one reads as overall."""
    if value not in {code for code, _label in choices}:
        return OVERALL, {}
    if value.startswith("channel:"):
        return value, {"channel": value.split(":", 1)[1]}
    if value.startswith("owner:"):
        return value, {"owner": int(value.split(":", 1)[1])}
    return OVERALL, {}


def months_of(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def grid(
    *,
    year: int,
    channel: str | None = None,
    owner: int | None = None,
    posted: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Rows of cells {name, value, label, errors} for the year and scope (one query)."""
    months = months_of(year)
    saved = {
        (t.metric, t.month): t.value
        for t in targets_for(
            start=months[0], end=dt.date(year, 12, 31), channel=channel, owner=owner
        )
    }
    errors = errors or {}
    rows = []
    for metric, label in TargetMetric.choices:
        cells = []
        for month in months:
            name = f"{metric}-{month:%Y-%m}"
            value: Any = saved.get((metric, month))
            if posted is not None:
                value = posted.get(name, "")
            elif value is not None:
                value = f"{value.normalize():f}"  # 6593.4100 -> 6593.41, 7.0000 -> 7
            cells.append(
                {
                    "name": name,
                    "value": "" if value is None else value,
                    "label": f"{label}, {formats.date_format(month, 'YEAR_MONTH_FORMAT')}",
                    "errors": errors.get(name, []),
                }
            )
        rows.append(
            {"metric": metric, "label": label, "quota": metric in QUOTA_METRICS, "cells": cells}
        )
    return {
        "year": year,
        "months": [formats.date_format(m, "M") for m in months],
        "rows": rows,
    }


def posted_cells(data: Any, year: int) -> tuple[dict[str, str], dict[tuple[str, dt.date], str]]:
    """The grid's posted values, by input name and by (metric, month)."""
    by_name, cells = {}, {}
    for metric in TargetMetric.values:
        for month in months_of(year):
            name = f"{metric}-{month:%Y-%m}"
            if name in data:
                by_name[name] = data[name]
                cells[(metric, month)] = data[name]
    return by_name, cells


def my_quota(*, owner: int, today: dt.date | None = None) -> dict[str, Any]:
    """A rep's month to date: customers and revenue against the month's quota, and against
    the quota prorated to today."""
    today = today or timezone.localdate()
    start, end = dateranges.month_start(today), dateranges.month_end(today)
    monthly = [
        t for t in targets_for(start=start, end=end, owner=owner) if t.metric in QUOTA_METRICS
    ]
    month_quota = dashboard.range_targets(monthly, start, end)
    to_date = dashboard.range_targets(monthly, start, today)
    summary = kpi_summary(start=start, end=today, owner=owner)
    figures = []
    for metric in QUOTA_METRICS:
        if metric not in month_quota:
            continue
        figures.append(
            {
                "metric": metric,
                "label": TargetMetric(metric).label,
                "kind": "money" if metric == "revenue" else "count",
                "actual": summary[metric],
                "quota": month_quota[metric],
                "expected": to_date[metric],
                "attainment": kpis.ratio(summary[metric], month_quota[metric]),
            }
        )
    return {"month": start, "figures": figures}
