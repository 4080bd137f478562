"""The model page's pieces: the figures, the charts' JSON and the cold-start rules in words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from leads.models import Channel
from scoring import rules, selectors
from scoring.features import FEATURE_LABELS, SENIORITY_LABELS
from scoring.models import ScoringModel


def rule_lines() -> list[dict[str, Any]]:
    """The documented cold-start rules, one line each (docs/scoring.md lists the same)."""
    channels = dict(Channel.choices)
    lines = [{"rule": _("Every lead starts at"), "points": rules.BASE}]
    for level, points in rules.SENIORITY_POINTS.items():
        lines.append(
            {
                "rule": _("Seniority: %(level)s") % {"level": SENIORITY_LABELS[level]},
                "points": points,
            }
        )
    lines.append({"rule": _("An address on a company domain"), "points": 10})
    lines.append({"rule": _("A free mailbox (Gmail, Outlook…)"), "points": -10})
    for channel, points in rules.CHANNEL_POINTS.items():
        lines.append(
            {
                "rule": _("Source channel: %(channel)s") % {"channel": channels[channel]},
                "points": points,
            }
        )
    lines.append(
        {
            "rule": _("Each touch (at most %(max)s points)") % {"max": rules.MAX_TOUCH_POINTS},
            "points": rules.POINTS_PER_TOUCH,
        }
    )
    lines.append({"rule": _("MQL within 7 days of capture"), "points": 10})
    lines.append({"rule": _("MQL more than 30 days after capture"), "points": -10})
    lines.append({"rule": _("The manual score divided by 5"), "points": _("0 to 20")})
    return lines


def charts(model: ScoringModel | None) -> dict[str, Any]:
    if model is None or model.rule_based:
        return {}
    return {
        "lift": {
            "labels": [str(d["decile"]) for d in model.lift_by_decile],
            "values": [d["lift"] for d in model.lift_by_decile],
            "label": _("Lift over the base rate"),
            "x": _("Decile of scores (1 = highest)"),
        },
        "calibration": {
            "points": [{"x": c["predicted"], "y": c["observed"]} for c in model.calibration],
            "label": _("Held-out leads"),
            "ideal": _("Perfect calibration"),
            "x": _("Predicted probability"),
            "y": _("Observed won rate"),
        },
    }


def coefficient_rows(model: ScoringModel | None) -> list[dict[str, Any]]:
    if model is None or model.rule_based:
        return []
    return [
        {
            "reason": {
                "feature": c["feature"],
                "value": c["value"],
                "direction": "up" if c["weight"] > 0 else "down",
            },
            "label": FEATURE_LABELS.get(c["feature"], c["feature"]),
            "weight": c["weight"],
        }
        for c in model.coefficients
    ]


def context() -> dict[str, Any]:
    model = selectors.current_model_figures()
    figures = selectors.model_figures()
    return {
        "model": model,
        "figures": figures,
        "history": selectors.training_history(),
        "charts": charts(model),
        "coefficients": coefficient_rows(model),
        "rules": rule_lines(),
        "min_examples": rules.MIN_EXAMPLES,
        "min_positives": rules.MIN_POSITIVES,
    }
