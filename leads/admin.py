"""Admin of the leads app. Rows that feed the KPI rollups are never written here past the
services: costs are saved and deleted through `leads.services` (so their rollup cells are
marked dirty and the bounds are checked), leads and opportunities are read-only (they move
only through the workflow services)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from leads import bounds, services
from leads.errors import DomainError
from leads.forms import apply_error
from leads.models import (
    Campaign,
    CampaignCost,
    Lead,
    Opportunity,
    SalesCost,
    SettingChange,
    Touch,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (audit, handoffs, rollups): viewable, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CostAdminForm(forms.ModelForm):
    """The service's bounds, shown next to the fields before anything is saved."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            bounds.check_cost(
                date=data.get("date"), amount=data.get("amount"), end_date=data.get("end_date")
            )
        except DomainError as exc:
            apply_error(self, exc)
        return data


class CostAdmin(admin.ModelAdmin):
    """A cost entry's writes go through its service: the rollup cells of the old and the new
    date are marked dirty in the same transaction."""

    form = CostAdminForm
    readonly_fields = ["created_by", "created_at"]

    def _add(self, request: HttpRequest, obj: Any) -> Model:
        raise NotImplementedError

    def _update(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def _delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            self._update(request, obj)
            return
        saved = self._add(request, obj)
        obj.pk, obj.created_by_id, obj.created_at = saved.pk, saved.created_by_id, saved.created_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self._delete(request, obj)


class CampaignCostInline(admin.TabularInline):
    """Read-only here: a spend entry is added or changed on its own admin page (the service)."""

    model = CampaignCost
    extra = 0
    fields = ["date", "amount", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "status", "start_date", "end_date", "budget", "owner"]
    list_filter = ["channel", "status"]
    search_fields = ["name", "utm_campaign"]
    list_select_related = ["owner"]
    inlines = [CampaignCostInline]


@admin.register(CampaignCost)
class CampaignCostAdmin(CostAdmin):
    list_display = ["campaign", "date", "end_date", "amount", "note"]
    list_filter = ["campaign__channel"]
    list_select_related = ["campaign"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The service moves an entry's date and amount, not its campaign.
        return [*self.readonly_fields, *(["campaign"] if obj else [])]

    def _add(self, request: HttpRequest, obj: Any) -> Model:
        return services.campaign_cost_add(
            campaign_id=obj.campaign_id,
            actor=request.user,
            date=obj.date,
            end_date=obj.end_date,
            amount=obj.amount,
            note=obj.note,
        )

    def _update(self, request: HttpRequest, obj: Any) -> None:
        services.campaign_cost_update(
            cost_id=obj.pk,
            actor=request.user,
            date=obj.date,
            end_date=obj.end_date,
            amount=obj.amount,
            note=obj.note,
        )

    def _delete(self, request: HttpRequest, obj: Any) -> None:
        services.campaign_cost_delete(cost_id=obj.pk, actor=request.user)


@admin.register(SalesCost)
class SalesCostAdmin(CostAdmin):
    list_display = ["date", "end_date", "amount", "note"]
    date_hierarchy = "date"

    def _add(self, request: HttpRequest, obj: Any) -> Model:
        return services.sales_cost_add(
            actor=request.user,
            date=obj.date,
            end_date=obj.end_date,
            amount=obj.amount,
            note=obj.note,
        )

    def _update(self, request: HttpRequest, obj: Any) -> None:
        services.sales_cost_update(
            cost_id=obj.pk,
            actor=request.user,
            date=obj.date,
            end_date=obj.end_date,
            amount=obj.amount,
            note=obj.note,
        )

    def _delete(self, request: HttpRequest, obj: Any) -> None:
        services.sales_cost_delete(cost_id=obj.pk, actor=request.user)


class TouchInline(admin.TabularInline):
    """A lead's touches, oldest first, read-only (written by capture and the touches API)."""

    model = Touch
    fields = ["at", "campaign", "kind", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["at", "id"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Touch]:
        return super().get_queryset(request).select_related("campaign", "created_by")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    """Read-only: a lead's facts (creation, campaign, owner, status) feed the KPI rollups and
    change only through the workflow services (pages and API)."""

    list_display = ["email", "company", "status", "score", "campaign", "owner", "created_at"]
    list_filter = ["status", "campaign__channel"]
    search_fields = ["email", "company", "last_name", "external_id"]
    list_select_related = ["campaign", "owner"]
    inlines = [TouchInline]


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    """Read-only: amounts, stages and close times feed the rollups (workflow services only)."""

    list_display = ["name", "amount", "stage", "owner", "created_at", "closed_at"]
    list_filter = ["stage"]
    list_select_related = ["owner", "lead"]


@admin.register(SettingChange)
class SettingChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "area", "action", "object_label")
    list_filter = ("area", "action")
    search_fields = ("object_label",)
