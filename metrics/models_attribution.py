"""Attribution rollups (attribution.md): credits per won opportunity, model and campaign,
and the outbox of leads whose credits must be recomputed (metrics.attribution_refresh)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leads.models import Campaign, Opportunity
from metrics.attribution import MODELS

CREDIT_DIGITS = {"max_digits": 9, "decimal_places": 6}
MODEL_CHOICES = [(m, m) for m in MODELS]


class AttributionCredit(models.Model):
    """One campaign's share of one won opportunity under one model; `campaign` null is the
    unattributed share (a won opportunity with no touch before it was opened)."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="attribution_credits",
    )
    model = models.CharField(_("attribution model"), max_length=12, choices=MODEL_CHOICES)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    credit = models.DecimalField(_("credit"), **CREDIT_DIGITS)
    revenue = models.DecimalField(_("revenue"), max_digits=20, decimal_places=2)
    won_day = models.DateField(_("won on"))

    class Meta:
        verbose_name = _("attribution credit")
        verbose_name_plural = _("attribution credits")
        indexes = [
            models.Index(fields=["model", "won_day"], name="attr_model_day_idx"),
            models.Index(fields=["opportunity"], name="attr_opportunity_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "model", "campaign"],
                name="attr_unique_share",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(credit__gte=0) & Q(credit__lte=1), name="attr_credit_in_0_1"
            ),
            models.CheckConstraint(condition=Q(model__in=MODELS), name="attr_model_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.model} {self.campaign_id}: {self.credit}"


class AttributionDirty(models.Model):
    """A lead whose won opportunity's credits must be recomputed (an outbox row written in
    the changing transaction; several rows for one lead are fine)."""

    lead_id = models.BigIntegerField(_("lead id"))
    created_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attribution to recompute")
        verbose_name_plural = _("attributions to recompute")
        indexes = [models.Index(fields=["lead_id"], name="attr_dirty_lead_idx")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} marked {self.created_at}"
