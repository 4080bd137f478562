"""Admin: audit trail and handoffs read-only; SLA policy, hours, rules, availability editable."""

from django.contrib import admin

from handoff.models import (
    AssignmentRule,
    BusinessHours,
    Handoff,
    LeadEvent,
    RepAvailability,
    RotationPointer,
    SLAPolicy,
)
from leads.admin import ReadOnlyAdmin


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    """Read-only: handoffs are written by the workflow service."""

    list_display = ["lead", "assignee", "outcome", "handed_off_at", "sla_due_at", "responded_at"]
    list_filter = ["outcome", "reason"]
    list_select_related = ["lead", "assignee"]


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyAdmin):
    """The audit trail: never edited or deleted through the product."""

    list_display = ["lead", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    list_select_related = ["lead", "actor"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "min_score",
        "max_score",
        "response_hours",
        "business_hours",
        "remind_at_percent",
        "auto_reassign",
        "active",
    ]
    list_editable = ["response_hours", "auto_reassign", "active"]


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "country", "channel", "active"]
    list_editable = ["priority", "active"]
    filter_horizontal = ["reps"]


@admin.register(RepAvailability)
class RepAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "away", "max_open_leads", "updated_at"]
    list_editable = ["away", "max_open_leads"]
    list_select_related = ["user"]


@admin.register(RotationPointer)
class RotationPointerAdmin(ReadOnlyAdmin):
    """The rotation moves only through handoffs."""

    list_display = ["key", "last_user_id", "turn", "updated_at"]
