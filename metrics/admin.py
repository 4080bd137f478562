from django.contrib import admin

from leads.admin import ReadOnlyAdmin
from metrics.models import CampaignDay, DirtyCell, OwnerDay, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["month", "metric", "channel", "value", "updated_by", "updated_at"]
    list_filter = ["metric", "channel"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CampaignDay)
class CampaignDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "campaign", "marketing_spend", "leads", "mqls", "customers", "revenue"]
    list_filter = ["campaign"]
    date_hierarchy = "day"


@admin.register(OwnerDay)
class OwnerDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "owner", "leads", "handoffs", "accepted", "rejected", "customers"]
    date_hierarchy = "day"


@admin.register(DirtyCell)
class DirtyCellAdmin(ReadOnlyAdmin):
    list_display = ["day", "dimension", "ref", "created_at", "attempts", "retry_at", "last_error"]
    list_filter = ["dimension", "attempts"]
