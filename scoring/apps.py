from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Lead scoring")

    def ready(self) -> None:
        from handoff.signals import lead_moved, leads_captured
        from leads.signals import touches_recorded
        from scoring import listeners

        lead_moved.connect(listeners.on_lead_moved, dispatch_uid="scoring-on-lead-moved")
        leads_captured.connect(listeners.on_leads_captured, dispatch_uid="scoring-captured")
        touches_recorded.connect(listeners.on_touches_recorded, dispatch_uid="scoring-touches")
