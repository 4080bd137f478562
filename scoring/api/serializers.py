"""The current model's figures (attribution.md: GET /api/v1/scoring/model/)."""

from rest_framework import serializers


class ScoringModelSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="0 before the first training run.")
    trained_at = serializers.DateTimeField(allow_null=True)
    examples = serializers.IntegerField()
    positives = serializers.IntegerField()
    auc = serializers.FloatField(allow_null=True, help_text="Held-out ROC AUC (newest 20%).")
    brier = serializers.FloatField(allow_null=True)
    top_decile_lift = serializers.FloatField(allow_null=True)
    rule_based = serializers.BooleanField(help_text="True during the cold start.")


class TrainQueuedSerializer(serializers.Serializer):
    detail = serializers.CharField()
