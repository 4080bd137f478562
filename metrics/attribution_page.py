"""The attribution page and its CSV: the five models side by side per campaign or channel,
with each figure's difference from first touch. Reads metrics.attribution_selectors."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import attribution
from metrics.attribution_selectors import attribution_table, figures
from metrics.forms_attribution import AttributionForm

MODEL_LABELS = {
    attribution.FIRST_TOUCH: gettext_lazy("First touch"),
    attribution.LAST_TOUCH: gettext_lazy("Last touch"),
    attribution.LINEAR: gettext_lazy("Linear"),
    attribution.U_SHAPED: gettext_lazy("U-shaped"),
    attribution.TIME_DECAY: gettext_lazy("Time decay"),
}
MODEL_HELP = {
    attribution.FIRST_TOUCH: gettext_lazy(
        "All the credit to the first campaign the buyer met (its source campaign)."
    ),
    attribution.LAST_TOUCH: gettext_lazy(
        "All the credit to the last campaign touched before the opportunity was opened."
    ),
    attribution.LINEAR: gettext_lazy("The credit shared equally by every touch."),
    attribution.U_SHAPED: gettext_lazy(
        "0.4 of the credit to the first touch, 0.4 to the last, the other 0.2 shared by the "
        "touches between them (one touch: all of it; two: half each)."
    ),
    attribution.TIME_DECAY: gettext_lazy(
        "Recent touches weigh more: a touch a week older than another counts half as much."
    ),
}
FIGURE_LABELS = {
    "customers": gettext_lazy("Customers"),
    "revenue": gettext_lazy("Revenue"),
    "paid_cac": gettext_lazy("Paid CAC"),
    "romi": gettext_lazy("ROMI"),
}
FIGURE_KINDS = {"customers": "credit", "revenue": "money", "paid_cac": "money", "romi": "percent"}
SHOWN = {"all": tuple(FIGURE_LABELS), **{k: (k,) for k in FIGURE_LABELS}}


def _delta(value: Decimal | None, base: Decimal | None) -> dict[str, Any] | None:
    if value is None or base is None:
        return None
    diff = value - base
    direction = "up" if diff > 0 else "down" if diff < 0 else "same"
    return {"value": diff, "abs": abs(diff), "direction": direction}


def _cells(per_model: dict[str, dict[str, Any]], shown: tuple[str, ...]) -> list[dict]:
    base = per_model[attribution.FIRST_TOUCH]
    cells = []
    for model in attribution.MODELS:
        for key in shown:
            value = per_model[model][key]
            cells.append(
                {
                    "model": model,
                    "model_label": MODEL_LABELS[model],
                    "key": key,
                    "label": FIGURE_LABELS[key],
                    "kind": FIGURE_KINDS[key],
                    "value": value,
                    "delta": None if model == attribution.FIRST_TOUCH else _delta(value, base[key]),
                }
            )
    return cells


def _total(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    spend = sum((r["marketing_spend"] or Decimal(0) for r in rows), Decimal(0))
    return {
        model: figures(
            sum((r["models"][model]["customers"] for r in rows), Decimal(0)),
            sum((r["models"][model]["revenue"] for r in rows), Decimal(0)),
            spend,
        )
        for model in attribution.MODELS
    }


def query_string(form: AttributionForm, **override: str) -> str:
    data = {k: form.cleaned_data.get(k) for k in ("preset", "start", "end", "by", "show")}
    data.update(override)
    return urlencode({k: str(v) for k, v in data.items() if v not in (None, "")})


def models_help() -> list[dict[str, Any]]:
    return [{"label": MODEL_LABELS[m], "help": MODEL_HELP[m]} for m in attribution.MODELS]


def page_context(form: AttributionForm) -> dict[str, Any]:
    """Everything the page shows for a valid form: four queries."""
    period = form.period()
    by, show = form.cleaned_data["by"], form.cleaned_data["show"]
    shown = SHOWN[show]
    rows = attribution_table(start=period.start, end=period.end, by=by)
    total = _total(rows)
    return {
        "period": period,
        "by": by,
        "show": show,
        "span": len(shown),
        "models": [{"code": m, "label": MODEL_LABELS[m]} for m in attribution.MODELS],
        "figures": [{"key": k, "label": FIGURE_LABELS[k]} for k in shown],
        "rows": [{**row, "cells": _cells(row["models"], shown)} for row in rows],
        "total": _cells(total, shown),
        "total_spend": sum((r["marketing_spend"] or Decimal(0) for r in rows), Decimal(0)),
        "by_links": [
            {"code": code, "label": label, "query": query_string(form, by=code)}
            for code, label in (("campaign", _("Per campaign")), ("channel", _("Per channel")))
        ],
        "show_links": [
            {"code": code, "label": label, "query": query_string(form, show=code)}
            for code, label in (("all", _("All figures")), *FIGURE_LABELS.items())
        ],
        "export_query": query_string(form),
        "name_label": _("Campaign") if by == "campaign" else _("Channel"),
    }


def export_rows(form: AttributionForm) -> tuple[list[str], list[list[Any]]]:
    """The page's table as CSV: one row per campaign or channel, spend, then the four
    figures under each model (customers to 4 places, money to 2, ROMI as a fraction)."""
    period = form.period()
    by = form.cleaned_data["by"]
    rows = attribution_table(start=period.start, end=period.end, by=by)
    header = [str(_("Campaign") if by == "campaign" else _("Channel"))]
    if by == "campaign":
        header.append(str(_("Channel")))
    header.append(str(_("Marketing spend")))
    for model in attribution.MODELS:
        header += [f"{MODEL_LABELS[model]}: {FIGURE_LABELS[k]}" for k in FIGURE_LABELS]
    out = []
    for row in rows:
        line: list[Any] = [row["name"]]
        if by == "campaign":
            line.append(row.get("channel") or "")
        line.append(_fmt("money", row["marketing_spend"]))
        for model in attribution.MODELS:
            line += [_fmt(FIGURE_KINDS[k], row["models"][model][k]) for k in FIGURE_LABELS]
        out.append(line)
    return header, out


def _fmt(kind: str, value: Decimal | None) -> str:
    if value is None:
        return ""
    places = {"money": "0.01", "credit": "0.0001", "percent": "0.0001"}[kind]
    return str(Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP))
