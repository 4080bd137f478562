"""Filtersets of the campaign and cost lists (query parameters of the API)."""

import django_filters

from leads.models import Campaign, CampaignCost, SalesCost


class CampaignFilter(django_filters.FilterSet):
    start_date_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    start_date_before = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Campaign
        fields = ["status", "channel", "owner"]


class CostFilter(django_filters.FilterSet):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")


class CampaignCostFilter(CostFilter):
    class Meta:
        model = CampaignCost
        fields: list[str] = []


class SalesCostFilter(CostFilter):
    class Meta:
        model = SalesCost
        fields: list[str] = []
