"""What the planner pages show, built from the services' answers: rate rows, the sentence
for a missing or zero rate, needed figures, chart data and progress rows."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alignment import planner
from alignment.forms import RATE_LABELS
from leads.models import Channel
from metrics import diagnosis

# Why a rate cannot be measured (missing) or is zero, per rate key.
MISSING_WHY = {
    "lead_to_mql": gettext_lazy("no lead was created in the look-back"),
    "mql_to_accepted": gettext_lazy("no lead became an MQL in the look-back"),
    "accepted_to_opportunity": gettext_lazy("no handoff was accepted in the look-back"),
    "win_rate": gettext_lazy("no opportunity was won or lost in the look-back"),
    "avg_deal_size": gettext_lazy("no opportunity was won in the look-back"),
    "cost_per_lead": gettext_lazy("no lead was created in the look-back"),
    "avg_lead_to_win_days": gettext_lazy("no opportunity was won in the look-back"),
}
ZERO_WHY = {
    "lead_to_mql": gettext_lazy("none of the look-back's leads became an MQL"),
    "mql_to_accepted": gettext_lazy("sales accepted none of the look-back's MQLs"),
    "accepted_to_opportunity": gettext_lazy(
        "no accepted lead became an opportunity in the look-back"
    ),
    "win_rate": gettext_lazy("every opportunity closed in the look-back was lost"),
    "avg_deal_size": gettext_lazy("the deals won in the look-back had no amount"),
}
FUNNEL_STEPS = ("leads", "mqls", "accepted", "opportunities", "customers")
STEP_LABELS = {
    "leads": gettext_lazy("Leads"),
    "mqls": gettext_lazy("MQLs"),
    "accepted": gettext_lazy("Accepted leads"),
    "opportunities": gettext_lazy("Opportunities"),
    "customers": gettext_lazy("Customers"),
    "revenue_goal": gettext_lazy("Revenue"),
    "marketing_budget": gettext_lazy("Marketing budget"),
}


def rate_label(key: str) -> str:
    if key.startswith("cost_per_lead:"):
        channel = key.split(":", 1)[1]
        return _("Cost per lead from %(channel)s") % {"channel": Channel(channel).label}
    return str(RATE_LABELS[key])


def rate_sentences(code: str, rates: list[str]) -> list[str]:
    """One sentence per rate that stops the plan: which rate, and why, in words."""
    sentences = []
    for key in rates:
        label = rate_label(key)
        if code == "missing_rate":
            if key.startswith("cost_per_lead:"):
                why = _("no lead came from this channel in the look-back")
            else:
                why = MISSING_WHY[key]
            sentences.append(
                _(
                    "%(rate)s is missing: %(why)s, so it cannot be measured. "
                    "Widen the look-back or enter an override."
                )
                % {"rate": label, "why": why}
            )
        else:
            sentences.append(
                _(
                    "%(rate)s is zero: %(why)s, so no number of leads reaches the goal. "
                    "Pick another look-back or enter an override."
                )
                % {"rate": label, "why": ZERO_WHY.get(key, "")}
            )
    return sentences


def rate_rows(rates: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key in planner.RATE_KEYS:
        rate = rates[key]
        kind = (
            "money"
            if key in planner.MONEY_KEYS
            else ("days" if key == "avg_lead_to_win_days" else "percent")
        )
        rows.append({"key": key, "label": rate_label(key), "kind": kind, **rate})
    return rows


def measured_rows(measured: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the rates of a look-back before any plan is computed (formatted like answers)."""
    return rate_rows({key: {**rate, "source": "measured"} for key, rate in measured.items()})


def channel_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    needed = answer["needed"]
    return [
        {
            "channel": Channel(channel).label,
            "share": answer["channel_mix"].get(channel),
            "leads": needed.get("leads_by_channel", {}).get(channel),
            "budget": needed.get("budget_by_channel", {}).get(channel),
            **rate,
        }
        for channel, rate in answer.get("channel_rates", {}).items()
    ]


def chart_data(
    answer: Mapping[str, Any], progress: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The reverse funnel for static/js/planner.js (and, for a saved plan, actuals to date)."""
    needed = answer["needed"]
    data: dict[str, Any] = {
        "labels": [str(STEP_LABELS[step]) for step in FUNNEL_STEPS],
        "needed": [needed[step] for step in FUNNEL_STEPS],
        "label_needed": _("Needed"),
    }
    if progress:
        data["actual"] = [progress["figures"][step]["actual"] for step in FUNNEL_STEPS]
        data["label_actual"] = _("Actual to date")
    return data


def needed_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    needed = answer["needed"]
    rows = [
        {"key": step, "label": STEP_LABELS[step], "value": needed[step], "kind": "count"}
        for step in reversed(FUNNEL_STEPS)
    ]
    rows.append(
        {
            "key": "marketing_budget",
            "label": STEP_LABELS["marketing_budget"],
            "value": needed["marketing_budget"],
            "kind": "money",
        }
    )
    return rows


def progress_rows(progress: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": STEP_LABELS[key],
            "kind": "money" if key in ("revenue_goal", "marketing_budget") else "count",
            **values,
        }
        for key, values in progress["figures"].items()
    ]


def window(answer: Mapping[str, Any]) -> tuple[str, str]:
    return tuple(
        formats.date_format(dt.date.fromisoformat(answer[k]), "DATE_FORMAT")
        for k in ("leads_from", "leads_until")
    )


def diagnosis_rows(result: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One row per funnel factor: who owns it, actual against plan, its share of the gap."""
    if not result:
        return []
    return [
        {
            "key": factor["key"],
            "label": diagnosis.FACTOR_LABELS[factor["key"]],
            "owner": diagnosis.OWNER_LABELS[factor["owner"]],
            "kind": "count"
            if factor["key"] == "leads"
            else ("money" if factor["key"] == "avg_deal_size" else "percent"),
            "value": factor["value"],
            "plan_value": factor["compare_value"],
            "contribution": contribution,
        }
        for factor, contribution in zip(result["factors"], result["rounded"], strict=True)
    ]
