from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crm import webhooks
        from handoff.signals import lead_moved

        lead_moved.connect(webhooks.on_lead_moved, dispatch_uid="crm.webhooks.on_lead_moved")
