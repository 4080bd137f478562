from django.contrib import admin

from leads.models import Campaign, CampaignCost, Lead, Opportunity, SalesCost


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (audit, handoffs, rollups): viewable, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CampaignCostInline(admin.TabularInline):
    model = CampaignCost
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "status", "start_date", "end_date", "budget", "owner"]
    list_filter = ["channel", "status"]
    search_fields = ["name", "utm_campaign"]
    list_select_related = ["owner"]
    inlines = [CampaignCostInline]


@admin.register(CampaignCost)
class CampaignCostAdmin(admin.ModelAdmin):
    list_display = ["campaign", "date", "amount", "note"]
    list_filter = ["campaign__channel"]
    list_select_related = ["campaign"]
    date_hierarchy = "date"


@admin.register(SalesCost)
class SalesCostAdmin(admin.ModelAdmin):
    list_display = ["date", "amount", "note"]
    date_hierarchy = "date"


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """Read-mostly: status and stamps move only through the workflow service."""

    list_display = ["email", "company", "status", "score", "campaign", "owner", "created_at"]
    list_filter = ["status", "campaign__channel"]
    search_fields = ["email", "company", "last_name", "external_id"]
    list_select_related = ["campaign", "owner"]
    readonly_fields = [
        "status",
        "owner",
        "created_at",
        "first_mql_at",
        "first_handed_off_at",
        "first_accepted_at",
        "converted_at",
    ]
    raw_id_fields = ["campaign"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "amount", "stage", "owner", "created_at", "closed_at"]
    list_filter = ["stage"]
    list_select_related = ["owner", "lead"]
    readonly_fields = ["lead", "stage", "owner", "created_at", "closed_at", "lost_reason"]
