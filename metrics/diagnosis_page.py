"""The diagnosis on pages: the waterfall and factor table (the dashboard panel and the
diagnosis page), and the page's evidence tables. Reads through metrics.diagnosis and
metrics.evidence; the dashboard panel reuses the two summaries the dashboard already read."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from metrics import diagnosis, evidence
from metrics.dateranges import Period
from metrics.forms_diagnosis import DiagnosisForm

VALUE_KINDS = {"leads": "count", "avg_deal_size": "money"}  # the four others are rates


def factor_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The factor table: label, owner tag, both values and the contribution in cents."""
    cents = diagnosis.rounded_contributions(result)
    return [
        {
            "key": factor["key"],
            "label": str(diagnosis.FACTOR_LABELS[factor["key"]]),
            "owner": factor["owner"],
            "owner_label": str(diagnosis.OWNER_LABELS[factor["owner"]]),
            "kind": VALUE_KINDS.get(factor["key"], "rate"),
            "value": factor["value"],
            "compare_value": factor["compare_value"],
            "contribution": contribution,
        }
        for factor, contribution in zip(result["factors"], cents, strict=True)
    ]


def waterfall(result: Mapping[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The floating bars static/js/diagnosis.js draws: the comparison revenue, one bar per
    factor from the running total to the running total plus its contribution, then the
    revenue. None when the contributions do not exist."""
    if result["reason"] is not None:
        return None
    start = Decimal(result["compare_revenue"])
    bars = [{"label": _("Before"), "owner": "total", "from": 0.0, "to": float(start)}]
    running = start
    for row in rows:
        after = running + row["contribution"]
        bars.append(
            {
                "label": [row["label"], f"({row['owner_label']})"],
                "owner": row["owner"],
                "from": float(running),
                "to": float(after),
                "amount": float(row["contribution"]),
            }
        )
        running = after
    bars.append({"label": _("Now"), "owner": "total", "from": 0.0, "to": float(result["revenue"])})
    return {
        "bars": bars,
        "legend": {key: str(label) for key, label in diagnosis.OWNER_LABELS.items()},
        "axis": _("Revenue"),
        "currency": settings.CURRENCY,
    }


def page_url(period: Period, comparison: Period, filters: Mapping[str, Any]) -> str:
    query = {
        "preset": "custom",
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "compare_start": comparison.start.isoformat(),
        "compare_end": comparison.end.isoformat(),
        **filters,
    }
    return f"{reverse('metrics:diagnosis')}?{urlencode(query)}"


def _view(result: dict[str, Any]) -> dict[str, Any]:
    rows = factor_rows(result)
    return {**result, "rows": rows, "chart": waterfall(result, rows)}


def panel_context(
    summary: Mapping[str, Any],
    before: Mapping[str, Any],
    period: Period,
    previous: Period,
    filters: Mapping[str, Any],
) -> dict[str, Any]:
    """The dashboard's diagnosis panel from the two summaries the dashboard read (no query)."""
    result = diagnosis.decompose(summary, before)
    result["headline"] = diagnosis.headline(result)
    return {**_view(result), "url": page_url(period, previous, filters)}


def _cell(rep: str, cell: Mapping[str, Any] | None) -> dict[str, Any]:
    if cell is None:
        return {"rep": rep, "cell": None}
    return {"rep": rep, "cell": {**cell, "answered": cell["accepted"] + cell["rejected"]}}


def page_context(form: DiagnosisForm) -> dict[str, Any]:
    """The diagnosis page: the split, the waterfall and the four evidence tables."""
    period, comparison = form.period(), form.comparison()
    result = diagnosis.revenue_diagnosis(
        start=period.start,
        end=period.end,
        compare_start=comparison.start,
        compare_end=comparison.end,
        **form.filters(),
    )
    span = {"start": period.start, "end": period.end}
    matrix = evidence.acceptance_by_campaign_and_rep(**span)
    return {
        "period": period,
        "comparison": comparison,
        "diagnosis": _view(result),
        "reps": evidence.rep_acceptance_vs_sla(**span),
        "buckets": evidence.win_rate_by_response_time(**span),
        "rejected_won": evidence.rejected_then_won(**span),
        "matrix": {
            "reps": matrix["reps"],
            "campaigns": [
                {
                    **row,
                    "cells": [
                        _cell(rep["name"], row["cells"].get(rep["owner"])) for rep in matrix["reps"]
                    ],
                }
                for row in matrix["campaigns"]
            ],
        },
        "filtered": bool(form.filters()),
    }
