"""Pages of the alignment app: the planner, the agreement, the digest preview."""

from django.urls import path

from alignment import views

app_name = "alignment"

urlpatterns: list = [
    path("plans/", views.plan_list_page, name="plan_list"),
    path("plans/new/", views.planner_page, name="planner"),
    path("plans/<int:plan_id>/", views.plan_detail_page, name="plan_detail"),
]
