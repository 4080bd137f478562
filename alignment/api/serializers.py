"""Serializers of the plan endpoints: input checks of shape; the rules live in the services."""

from typing import Any

from rest_framework import serializers

from alignment.models import Plan
from leads.roles import user_label

RATE_NUMBER = {"max_digits": 24, "decimal_places": 10}


class PlanInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    start = serializers.DateField(help_text="First day of the plan period (inclusive).")
    end = serializers.DateField(help_text="Last day of the plan period (inclusive).")
    revenue_goal = serializers.DecimalField(max_digits=14, decimal_places=2)
    lookback_start = serializers.DateField(
        required=False, help_text="Default: 180 days before today."
    )
    lookback_end = serializers.DateField(required=False, help_text="Default: yesterday.")
    overrides = serializers.DictField(
        child=serializers.DecimalField(**RATE_NUMBER),
        required=False,
        help_text=(
            "{rate key: value} replacing a measured rate; `cost_per_lead:<channel>` replaces "
            "one channel's cost per lead in a mix. Fractions in (0, 1], money and days > 0."
        ),
    )
    channel_mix = serializers.DictField(
        child=serializers.DecimalField(max_digits=8, decimal_places=6),
        required=False,
        help_text="{channel: share}: shares > 0 that add up to 1 (within 0.001).",
    )


class RateSerializer(serializers.Serializer):
    value = serializers.JSONField(
        allow_null=True, help_text="Money as a string; fractions and days rounded to 4 places."
    )
    source = serializers.ChoiceField(choices=["measured", "override"])
    numerator = serializers.JSONField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)


class NeededSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    opportunities = serializers.IntegerField()
    accepted = serializers.IntegerField()
    mqls = serializers.IntegerField()
    leads = serializers.IntegerField()
    marketing_budget = serializers.CharField(help_text="Money, two places.")
    leads_by_channel = serializers.DictField(child=serializers.IntegerField(), required=False)
    budget_by_channel = serializers.DictField(child=serializers.CharField(), required=False)


class PlanAnswerSerializer(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    revenue_goal = serializers.CharField()
    lookback_start = serializers.DateField()
    lookback_end = serializers.DateField()
    overrides = serializers.DictField(child=serializers.CharField())
    channel_mix = serializers.DictField(child=serializers.CharField())
    rates = serializers.DictField(child=RateSerializer())
    channel_rates = serializers.DictField(
        child=RateSerializer(), help_text="Each mixed channel's own cost per lead."
    )
    needed = NeededSerializer()
    leads_from = serializers.DateField()
    leads_until = serializers.DateField()


class FigureProgressSerializer(serializers.Serializer):
    needed = serializers.JSONField()
    actual = serializers.JSONField()
    expected_to_date = serializers.JSONField()
    share = serializers.FloatField(allow_null=True, help_text="actual / needed, 4 places.")


class ProgressSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    elapsed_days = serializers.IntegerField()
    total_days = serializers.IntegerField()
    figures = serializers.DictField(child=FigureProgressSerializer())


class PlanSerializer(PlanAnswerSerializer):
    id = serializers.IntegerField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()

    @staticmethod
    def of(plan: Plan) -> dict[str, Any]:
        return {
            **plan.answer,
            "id": plan.pk,
            "created_by": user_label(plan.created_by) if plan.created_by else None,
            "created_at": plan.created_at.isoformat(),
        }


class PlanDetailSerializer(PlanSerializer):
    progress = ProgressSerializer()
