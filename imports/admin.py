"""Admin: imports read-only, for support; they are run from the import page."""

from django.contrib import admin

from imports.models import LeadImport
from leads.admin import ReadOnlyAdmin


@admin.register(LeadImport)
class LeadImportAdmin(ReadOnlyAdmin):
    """CSV imports and their row reports, for support; run from the import page."""

    list_display = ["original_name", "status", "total_rows", "created_count", "created_by"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
