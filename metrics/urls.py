"""Pages with KPIs: the dashboard (views.py), the campaign pages (views_campaigns.py) and the
diagnosis (views_diagnosis.py)."""

from django.urls import path

from metrics import (
    views,
    views_attribution,
    views_campaigns,
    views_diagnosis,
    views_loss,
    views_targets,
)

app_name = "metrics"

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/export.csv", views.export_csv, name="export"),
    path("dashboard/reassign/<int:lead_id>/", views.reassign, name="reassign"),
    path("targets/", views_targets.targets_grid, name="targets"),
    path("quota/mine/", views_targets.quota_mine, name="quota_mine"),
    path("dashboard/loss-reasons/", views_loss.loss_reasons, name="loss_reasons"),
    path("diagnosis/", views_diagnosis.diagnosis_page, name="diagnosis"),
    path("attribution/", views_attribution.attribution_page, name="attribution"),
    path("attribution/export.csv", views_attribution.attribution_export, name="attribution_export"),
    path("campaigns/", views_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/<int:campaign_id>/", views_campaigns.campaign_detail, name="campaign_detail"),
]
