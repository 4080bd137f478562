"""Input and output shapes of campaigns, campaign costs and sales costs."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from leads.models import MONEY, Campaign, CampaignCost, SalesCost
from leads.services import CAMPAIGN_FIELDS

User = get_user_model()

MONEY_FIELD = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"]}


class CampaignSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="User id of the campaign owner; defaults to the caller.",
    )
    budget = serializers.DecimalField(**MONEY_FIELD, min_value=0, required=False)

    class Meta:
        model = Campaign
        fields = ["id", *CAMPAIGN_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness and date order are checked once, by the model in the service.
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}


class CampaignCostSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=0)

    class Meta:
        model = CampaignCost
        fields = [
            "id",
            "campaign",
            "date",
            "end_date",
            "amount",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "campaign", "created_by", "created_at"]


class SalesCostSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=0)

    class Meta:
        model = SalesCost
        fields = ["id", "date", "end_date", "amount", "note", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]
