"""The notifications page (same paths as when it lived in handoff)."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="read",
    ),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
]
