"""The integration pages: API tokens and webhooks (managers), web forms (marketing and
managers) and the public web form itself (/f/<slug>/)."""

from django.urls import path

from integrations.views import lead_forms, public_forms, tokens, webhooks

app_name = "integrations"

urlpatterns = [
    path("f/<slug:slug>/", public_forms.public_form_view, name="public_form"),
    path("f/<slug:slug>/token/", public_forms.public_form_token_view, name="public_form_token"),
    path("settings/web-forms/", lead_forms.lead_form_list_view, name="lead_form_list"),
    path("settings/web-forms/new/", lead_forms.lead_form_create_view, name="lead_form_create"),
    path(
        "settings/web-forms/<int:form_id>/",
        lead_forms.lead_form_detail_view,
        name="lead_form_detail",
    ),
    path(
        "settings/web-forms/<int:form_id>/edit/",
        lead_forms.lead_form_edit_view,
        name="lead_form_edit",
    ),
    path(
        "settings/web-forms/<int:form_id>/active/",
        lead_forms.lead_form_active_view,
        name="lead_form_active",
    ),
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
