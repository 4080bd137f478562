"""Plans and agreements the two teams commit to (the numbers come from metrics)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from leads.models import MONEY


class Plan(models.Model):
    """A reverse-funnel plan: a revenue goal for a period, worked back through measured rates.

    `answer` keeps the computed answer exactly as the planner gave it when the plan was
    saved (rates with their source, needed figures, the lead window), so a plan reads the
    same tomorrow even when the measured rates move.
    """

    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    revenue_goal = models.DecimalField(
        _("revenue goal"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    lookback_start = models.DateField(_("look-back start"))
    lookback_end = models.DateField(_("look-back end"))
    overrides = models.JSONField(_("rate overrides"), default=dict, blank=True)
    channel_mix = models.JSONField(_("channel mix"), default=dict, blank=True)
    answer = models.JSONField(_("computed answer"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="plan_end_gte_start"),
            models.CheckConstraint(
                condition=Q(lookback_end__gte=F("lookback_start")),
                name="plan_lookback_end_gte_start",
            ),
            models.CheckConstraint(condition=Q(revenue_goal__gt=0), name="plan_goal_gt_0"),
        ]
        indexes = [models.Index(fields=["start", "end"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.start}..{self.end})"
