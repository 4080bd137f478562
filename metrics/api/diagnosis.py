"""The diagnosis endpoint's query, answer format and schema (the action is on KpiViewSet)."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from metrics import diagnosis, kpis

_FACTOR_FORMAT = {"leads": "leads", "avg_deal_size": "avg_deal_size"}


def _factor_value(key: str, value: Decimal | None) -> Any:
    # leads is a count, avg_deal_size money, the four rates fractions rounded to 4 places
    return kpis.format_value(_FACTOR_FORMAT.get(key, "win_rate"), value)


def format_diagnosis(result: dict[str, Any]) -> dict[str, Any]:
    """revenue_diagnosis's answer for JSON: money strings (contributions rounded so that
    they add up to the rounded difference), values rounded to 4 places, ISO dates."""
    contributions = diagnosis.rounded_contributions(result)
    money = lambda v: kpis.format_value("revenue", v)  # noqa: E731
    return {
        "start": result["start"].isoformat(),
        "end": result["end"].isoformat(),
        "compare_start": result["compare_start"].isoformat(),
        "compare_end": result["compare_end"].isoformat(),
        "revenue": money(result["revenue"]),
        "compare_revenue": money(result["compare_revenue"]),
        "difference": money(result["difference"]),
        "factors": [
            {
                "key": f["key"],
                "owner": f["owner"],
                "value": _factor_value(f["key"], f["value"]),
                "compare_value": _factor_value(f["key"], f["compare_value"]),
                "contribution": None if c is None else str(c),
            }
            for f, c in zip(result["factors"], contributions, strict=True)
        ],
        "reason": result["reason"],
        "reason_factor": result["reason_factor"],
        "headline": result["headline"],
    }


FactorSerializer = inline_serializer(
    "DiagnosisFactor",
    many=True,
    fields={
        "key": serializers.ChoiceField(choices=list(diagnosis.FACTOR_KEYS)),
        "owner": serializers.ChoiceField(choices=list(diagnosis.OWNERS)),
        "value": serializers.JSONField(
            allow_null=True,
            help_text="leads: a count; avg_deal_size: money string; rates: rounded to 4 "
            "places; null when undefined.",
        ),
        "compare_value": serializers.JSONField(allow_null=True, help_text="Like value."),
        "contribution": serializers.CharField(
            allow_null=True,
            help_text="Money: this factor's share of the difference (LMDI); null when the "
            "split does not exist (see reason).",
        ),
    },
)
ReasonSerializer = inline_serializer(
    "DiagnosisReason",
    allow_null=True,
    fields={
        "factor": serializers.ChoiceField(choices=list(diagnosis.FACTOR_KEYS)),
        "range": serializers.ChoiceField(choices=["current", "compare"]),
        "problem": serializers.ChoiceField(choices=["zero", "undefined"]),
    },
)
DiagnosisSerializer = inline_serializer(
    "KpiDiagnosis",
    fields={
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "compare_start": serializers.DateField(),
        "compare_end": serializers.DateField(),
        "revenue": serializers.CharField(help_text="Money."),
        "compare_revenue": serializers.CharField(help_text="Money."),
        "difference": serializers.CharField(help_text="Money: revenue - compare_revenue."),
        "factors": FactorSerializer,
        "reason": serializers.CharField(
            allow_null=True, help_text="Why the contributions are null, in words."
        ),
        "reason_factor": ReasonSerializer,
        "headline": serializers.CharField(help_text="One sentence for people."),
    },
)
