"""Handoff records (one per assignment of a lead to a rep) and the immutable audit trail."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadStatus, Opportunity


class RejectionReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", _("Not a fit")
    NO_BUDGET = "no_budget", _("No budget")
    NO_AUTHORITY = "no_authority", _("No authority")
    NO_NEED = "no_need", _("No need")
    BAD_TIMING = "bad_timing", _("Bad timing")
    BAD_CONTACT_DATA = "bad_contact_data", _("Bad contact data")
    DUPLICATE = "duplicate", _("Duplicate")
    COMPETITOR = "competitor", _("Competitor")
    SPAM = "spam", _("Spam")
    OTHER = "other", _("Other")


class HandoffOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    REASSIGNED = "reassigned", _("Reassigned")


class Handoff(models.Model):
    Outcome = HandoffOutcome

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="handoffs"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    handed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handoffs_made",
    )
    handed_off_at = models.DateTimeField(_("handed off at"), default=timezone.now)
    sla_due_at = models.DateTimeField(_("SLA due at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text=_("When the record stopped being pending: the answer or the reassignment."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    reason = models.CharField(
        _("rejection reason"), max_length=30, choices=RejectionReason.choices, blank=True
    )
    rating = models.PositiveSmallIntegerField(
        _("quality rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feedback = models.TextField(_("feedback"), blank=True)
    assignment = models.JSONField(
        _("why this rep"),
        default=dict,
        blank=True,
        help_text=_("How the assignment rule chose the rep: rule, rotation turn, who was skipped."),
    )
    reminded_at = models.DateTimeField(_("SLA reminder sent at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("SLA breach recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["-handed_off_at", "-id"]
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        indexes = [
            models.Index(fields=["assignee", "outcome", "sla_due_at"]),
            models.Index(fields=["outcome", "sla_due_at"]),
            models.Index(fields=["handed_off_at"]),
            models.Index(fields=["responded_at"]),
            models.Index(fields=["lead", "-handed_off_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=HandoffOutcome.values),
                name="handoff_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(reason="") | Q(reason__in=RejectionReason.values),
                name="handoff_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="handoff_rating_1_5",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reason=""),
                name="handoff_rejected_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["accepted", "rejected"]) | Q(responded_at__isnull=False),
                name="handoff_answer_has_responded_at",
            ),
            models.CheckConstraint(
                condition=Q(sla_due_at__gte=models.F("handed_off_at")),
                name="handoff_due_after_handoff",
            ),
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(outcome="pending"),
                name="handoff_one_pending_per_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead} -> {self.assignee} ({self.outcome})"


class LeadEvent(models.Model):
    """One row per move (and per capture, edit or SLA event): never edited, never deleted."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_events",
        help_text=_("Empty for the system (SLA sweep, automation)."),
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    data = models.JSONField(_("input"), default=dict, blank=True)
    handoff = models.ForeignKey(
        Handoff, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        indexes = [
            models.Index(fields=["lead", "at"]),
            models.Index(fields=["to_status", "at"]),
            models.Index(fields=["action", "at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status="") | Q(from_status__in=LeadStatus.values),
                name="leadevent_from_valid",
            ),
            models.CheckConstraint(
                condition=Q(to_status="") | Q(to_status__in=LeadStatus.values),
                name="leadevent_to_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.action} {self.from_status}->{self.to_status} @ {self.at}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Lead events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Lead events are never deleted.")
