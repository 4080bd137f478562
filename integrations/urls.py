"""The integration settings pages: API tokens and webhooks (managers)."""

from django.urls import path

from integrations.views import tokens, webhooks

app_name = "integrations"

urlpatterns = [
    path("settings/api-tokens/", tokens.token_list_view, name="token_list"),
    path("settings/api-tokens/new/", tokens.token_create_view, name="token_create"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        tokens.token_revoke_view,
        name="token_revoke",
    ),
    path("settings/webhooks/", webhooks.webhook_list_view, name="webhook_list"),
    path("settings/webhooks/new/", webhooks.webhook_create_view, name="webhook_create"),
    path(
        "settings/webhooks/<int:subscription_id>/",
        webhooks.webhook_detail_view,
        name="webhook_detail",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/edit/",
        webhooks.webhook_edit_view,
        name="webhook_edit",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/delete/",
        webhooks.webhook_delete_view,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/test/",
        webhooks.webhook_test_view,
        name="webhook_test",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/retry/",
        webhooks.delivery_retry_view,
        name="delivery_retry",
    ),
]
