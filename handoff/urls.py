"""Pages of the workflow: marketing's lead pages (views/marketing.py), sales (views/sales.py)."""

from django.urls import path

from handoff.views import marketing as views
from handoff.views import sales as views_sales

app_name = "handoff"

urlpatterns = [
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/bulk/", views.lead_bulk, name="lead_bulk"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:lead_id>/<slug:move>/", views.lead_move, name="lead_move"),
    path("inbox/", views_sales.inbox, name="inbox"),
    path("inbox/<int:lead_id>/answer/", views_sales.inbox_answer, name="inbox_answer"),
    path("inbox/<int:lead_id>/accept/", views_sales.inbox_accept, name="inbox_accept"),
    path("inbox/<int:lead_id>/reject/", views_sales.inbox_reject, name="inbox_reject"),
    path("inbox/<int:lead_id>/convert/", views_sales.inbox_convert, name="inbox_convert"),
    path("pipeline/", views_sales.pipeline, name="pipeline"),
    path(
        "pipeline/<int:opportunity_id>/stage/",
        views_sales.opportunity_stage,
        name="opportunity_stage",
    ),
    path("pipeline/<int:opportunity_id>/win/", views_sales.opportunity_win, name="opportunity_win"),
    path(
        "pipeline/<int:opportunity_id>/lose/", views_sales.opportunity_lose, name="opportunity_lose"
    ),
]
