"""Pages of the alignment app: the planner, the agreement, the digest preview."""

from django.urls import path

from alignment import views, views_agreement, views_digest

app_name = "alignment"

urlpatterns: list = [
    path("plans/", views.plan_list_page, name="plan_list"),
    path("plans/new/", views.planner_page, name="planner"),
    path("plans/<int:plan_id>/", views.plan_detail_page, name="plan_detail"),
    path("agreements/", views_agreement.agreement_page, name="agreement"),
    path("agreements/new/", views_agreement.agreement_create_page, name="agreement_create"),
    path(
        "agreements/<int:agreement_id>/",
        views_agreement.agreement_page,
        name="agreement_detail",
    ),
    path(
        "agreements/<int:agreement_id>/edit/",
        views_agreement.agreement_edit_page,
        name="agreement_edit",
    ),
    path("digest/", views_digest.digest_preview, name="digest"),
    path("digest/subscription/", views_digest.digest_subscription, name="digest_subscription"),
    path(
        "digest/unsubscribe/<str:token>/",
        views_digest.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
