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


class Agreement(models.Model):
    """What marketing and sales commit to over a period (alignment.md, "The agreement")."""

    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    mqls = models.PositiveIntegerField(_("MQLs"), help_text=_("Marketing: MQLs in the period."))
    max_cost_per_mql = models.DecimalField(
        _("maximum cost per MQL"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Marketing, optional: spend per MQL over the period, at most."),
    )
    min_sla_compliance = models.DecimalField(
        _("minimum SLA compliance"),
        max_digits=5,
        decimal_places=4,
        help_text=_("Sales: the share of handoffs answered within their SLA, at least."),
    )
    min_answered_share = models.DecimalField(
        _("minimum share of handoffs answered"),
        max_digits=5,
        decimal_places=4,
        help_text=_("Sales: the share of handoffs accepted or rejected, at least."),
    )
    max_avg_response_hours = models.DecimalField(
        _("maximum average response hours"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Sales, optional: the average time to answer a handoff, at most."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="agreement_end_gte_start"
            ),
            models.CheckConstraint(condition=Q(mqls__gte=1), name="agreement_mqls_gte_1"),
            models.CheckConstraint(
                condition=Q(max_cost_per_mql__isnull=True) | Q(max_cost_per_mql__gt=0),
                name="agreement_max_cost_per_mql_gt_0",
            ),
            models.CheckConstraint(
                condition=Q(min_sla_compliance__gt=0) & Q(min_sla_compliance__lte=1),
                name="agreement_min_sla_compliance_0_1",
            ),
            models.CheckConstraint(
                condition=Q(min_answered_share__gt=0) & Q(min_answered_share__lte=1),
                name="agreement_min_answered_share_0_1",
            ),
            models.CheckConstraint(
                condition=Q(max_avg_response_hours__isnull=True) | Q(max_avg_response_hours__gt=0),
                name="agreement_max_avg_response_hours_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


class DigestPreference(models.Model):
    """A user's choice about the weekly digest; no row means subscribed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest_preference",
    )
    subscribed = models.BooleanField(_("receives the weekly digest"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {'subscribed' if self.subscribed else 'opted out'}"


class DigestDelivery(models.Model):
    """One weekly digest to one user: claimed before sending, so a week is sent at most once."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest_deliveries",
    )
    week_start = models.DateField(_("week (Monday)"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "user_id"]
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "week_start"], name="digestdelivery_one_per_user_week"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["sending", "sent", "failed"]),
                name="digestdelivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.week_start} {self.status}"
