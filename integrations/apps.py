from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from handoff.signals import lead_moved, leads_captured
        from integrations.webhooks import outbox

        lead_moved.connect(outbox.on_lead_moved, dispatch_uid="integrations.webhooks.on_lead_moved")
        leads_captured.connect(
            outbox.on_leads_captured, dispatch_uid="integrations.webhooks.on_leads_captured"
        )
