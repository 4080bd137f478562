from django.contrib import admin

from metrics.models import CampaignDay, DirtyCell, OwnerDay, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["month", "metric", "channel", "value", "updated_by", "updated_at"]
    list_filter = ["metric", "channel"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class _ReadOnly(admin.ModelAdmin):
    """Rollups are written by the refresh only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CampaignDay)
class CampaignDayAdmin(_ReadOnly):
    list_display = ["day", "campaign", "marketing_spend", "leads", "mqls", "customers", "revenue"]
    list_filter = ["campaign"]
    date_hierarchy = "day"


@admin.register(OwnerDay)
class OwnerDayAdmin(_ReadOnly):
    list_display = ["day", "owner", "leads", "handoffs", "accepted", "rejected", "customers"]
    date_hierarchy = "day"


@admin.register(DirtyCell)
class DirtyCellAdmin(_ReadOnly):
    list_display = ["day", "dimension", "ref", "created_at"]
