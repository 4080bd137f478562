"""The CSV import pages (same paths as when they lived in handoff; included before
handoff.urls so /leads/import/ is not taken for a lead)."""

from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("leads/import/", views.import_start, name="import_start"),
    path("leads/import/<int:import_id>/", views.import_detail, name="import_detail"),
    path("leads/import/<int:import_id>/mapping/", views.import_mapping, name="import_mapping"),
    path(
        "leads/import/<int:import_id>/failed-rows.csv",
        views.import_failed_rows,
        name="import_failed_rows",
    ),
]
