"""Routes of the leads app's API, registered on the one v1 router by crm/api.py."""

from leads.api.views import CampaignCostViewSet, CampaignViewSet, SalesCostViewSet

routes = [
    ("campaigns", CampaignViewSet, "campaign"),
    (r"campaigns/(?P<campaign_id>\d{1,18})/costs", CampaignCostViewSet, "campaign-cost"),
    ("sales-costs", SalesCostViewSet, "sales-cost"),
]
