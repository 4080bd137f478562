"""Root URLs: pages, the admin, the API and the probes."""

from django.contrib import admin
from django.urls import include, path

from crm import health, settings_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", settings_pages.hub, name="settings_hub"),
    path("settings/history/", settings_pages.history, name="settings_history"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api")),
    path("", include("alignment.urls")),
    path("", include("metrics.urls")),
    path("", include("leads.urls")),
    path("", include("imports.urls")),
    path("", include("notifications.urls")),
    path("", include("handoff.urls")),
    path("", include("integrations.urls")),
    path("", include("scoring.urls")),
]

# Last-resort answers: JSON under /api/, pages elsewhere (crm/errors.py).
handler400 = "crm.errors.bad_request"
handler500 = "crm.errors.server_error"
