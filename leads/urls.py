"""Campaign pages: create, edit and spend entries."""

from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("campaigns/new/", views.campaign_create_view, name="campaign_create"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit_view, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/spend/", views.campaign_spend_view, name="campaign_spend"),
]
