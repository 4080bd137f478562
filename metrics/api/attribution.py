"""The attribution endpoint's row serializer (attribution.md); its query serializer extends
the range serializer in metrics.api.views."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

_MONEY = "Money: a decimal string with two places."
AttributionRowsSerializer = inline_serializer(
    "AttributionRow",
    many=True,
    fields={
        "campaign": serializers.IntegerField(
            allow_null=True, required=False, help_text="by=campaign (null: unattributed)"
        ),
        "channel": serializers.CharField(
            allow_null=True, required=False, help_text="by=campaign or by=channel"
        ),
        "name": serializers.CharField(),
        "customers": serializers.FloatField(
            help_text="Sum of the credits of the opportunities won in range (4 places)."
        ),
        "revenue": serializers.CharField(help_text=f"Sum of credit x amount. {_MONEY}"),
        "marketing_spend": serializers.CharField(
            allow_null=True, help_text=f"kpis.md marketing spend of the row. {_MONEY}"
        ),
        "paid_cac": serializers.CharField(
            allow_null=True, help_text=f"marketing_spend / customers; null when 0. {_MONEY}"
        ),
        "romi": serializers.FloatField(
            allow_null=True,
            help_text="(revenue - marketing_spend) / marketing_spend, 4 places; null when "
            "there is no spend.",
        ),
    },
)
