"""Reads for campaigns and cost entries (lead reads live in handoff/selectors.py)."""

from django.db.models import QuerySet

from leads.models import Campaign, CampaignCost, SalesCost


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("owner").order_by("-start_date", "name")


def campaign_costs(*, campaign_id: int) -> QuerySet[CampaignCost]:
    return CampaignCost.objects.filter(campaign_id=campaign_id).order_by("-date", "-id")


def sales_cost_list() -> QuerySet[SalesCost]:
    return SalesCost.objects.order_by("-date", "-id")
