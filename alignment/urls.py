"""Pages of the alignment app: the planner, the agreement, the digest preview."""

from django.urls import path

from alignment import views_agreement

app_name = "alignment"

urlpatterns: list = [
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
]
