from django.contrib import admin

from handoff.models import Handoff, LeadEvent


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Read-only: handoffs are written by the workflow service."""

    list_display = ["lead", "assignee", "outcome", "handed_off_at", "sla_due_at", "responded_at"]
    list_filter = ["outcome", "reason"]
    list_select_related = ["lead", "assignee"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    """The audit trail: never edited or deleted through the product."""

    list_display = ["lead", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    list_select_related = ["lead", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
