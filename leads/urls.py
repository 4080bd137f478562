"""Campaign pages: create, edit and spend entries."""

from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("campaigns/new/", views.campaign_create_view, name="campaign_create"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit_view, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/spend/", views.campaign_spend_view, name="campaign_spend"),
    path(
        "campaigns/<int:campaign_id>/spend/<int:cost_id>/edit/",
        views.campaign_cost_edit_view,
        name="campaign_cost_edit",
    ),
    path(
        "campaigns/<int:campaign_id>/spend/<int:cost_id>/delete/",
        views.campaign_cost_delete_view,
        name="campaign_cost_delete",
    ),
]
