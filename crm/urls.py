"""Root URLs: pages, the admin, the API and the health check."""

from django.contrib import admin
from django.urls import include, path

from crm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api")),
    path("", include("metrics.urls")),
    path("", include("leads.urls")),
    path("", include("imports.urls")),
    path("", include("notifications.urls")),
    path("", include("handoff.urls")),
]

# Last-resort answers: JSON under /api/, pages elsewhere (crm/errors.py).
handler400 = "crm.errors.bad_request"
handler500 = "crm.errors.server_error"
