"""Admin for the integration plumbing: tokens (revoke), webhook subscriptions and delivery logs."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations import tokens
from integrations.models import ApiToken, WebhookAttempt, WebhookDelivery, WebhookSubscription
from leads.errors import DomainError


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are made on /settings/api-tokens/ or by `create_api_token` (shown once)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        """Through the service, so each revoke is audited like on the settings page."""
        for token_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            try:
                tokens.token_revoke(actor=request.user, token_id=token_id)
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
                return


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "events", "active", "created_by", "created_at"]
    list_filter = ["active"]
    exclude = ["secret"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "state", "status_code", "duration_ms", "error", "succeeded"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "subscription", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "event"]
    readonly_fields = [
        "subscription",
        "event",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
