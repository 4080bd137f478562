"""Handoff records, the immutable audit trail, SLA policy and assignment rules."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from leads import bounds
from leads.models import Channel, Lead, LeadStatus, Opportunity


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


class ScoreKind(models.TextChoices):
    """Which score a band or a routing condition reads: marketing's manual score or the
    learned predicted score (scoring app)."""

    MANUAL = "manual", _("Manual score")
    PREDICTED = "predicted", _("Predicted score")


def lead_score(lead: Lead, kind: str) -> int | None:
    """The lead's score of that kind (the predicted one may be None: not scored yet)."""
    return lead.predicted_score if kind == ScoreKind.PREDICTED else lead.score


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
    sla_remind_at = models.DateTimeField(
        _("SLA reminder due at"),
        null=True,
        blank=True,
        help_text=_("When the sweep reminds the rep, set at handoff from the SLA policy."),
    )
    sla_policy = models.ForeignKey(
        "handoff.SLAPolicy",
        verbose_name=_("SLA policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs",
        help_text=_("Empty when the default response time applied."),
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
            models.Index(fields=["outcome", "sla_remind_at"]),
            # A rep's inbox: their pending handoffs in due order, and their counts (an
            # index-only scan). Without it the planner read every pending handoff through
            # the partial unique index below and filtered by assignee (36 ms at 1M leads).
            models.Index(
                fields=["assignee", "sla_due_at", "id"],
                condition=Q(outcome="pending"),
                name="handoff_pending_queue_idx",
            ),
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
            models.CheckConstraint(
                condition=bounds.time_in_window("handed_off_at"),
                name="handoff_handed_off_at_in_window",
            ),
            models.CheckConstraint(
                condition=bounds.time_in_window("responded_at", nullable=True),
                name="handoff_responded_at_in_window",
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
            models.CheckConstraint(
                condition=bounds.time_in_window("at"), name="leadevent_at_in_window"
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


class SLAPolicy(models.Model):
    """Response time for scores in [min_score, max_score], and what a breach does."""

    name = models.CharField(_("name"), max_length=100)
    score_kind = models.CharField(
        _("score read"),
        max_length=20,
        choices=ScoreKind.choices,
        default=ScoreKind.MANUAL,
        help_text=_("The band applies to the manual score or to the predicted score."),
    )
    min_score = models.PositiveSmallIntegerField(
        _("minimum score"), default=0, validators=[MaxValueValidator(100)]
    )
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"), default=100, validators=[MaxValueValidator(100)]
    )
    response_hours = models.PositiveIntegerField(
        _("response hours"), validators=[MinValueValidator(1)]
    )
    business_hours = models.BooleanField(
        _("count business hours only"),
        default=False,
        help_text=_("Count only the opening hours of the weekly business calendar."),
    )
    remind_at_percent = models.PositiveSmallIntegerField(
        _("remind at % of the response time"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    auto_reassign = models.BooleanField(
        _("reassign on breach"),
        default=False,
        help_text=_("On a breach, hand the lead to the next rep in the rotation."),
    )
    max_auto_reassignments = models.PositiveSmallIntegerField(
        _("automatic reassignments before escalating"), default=1
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-min_score", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score__lte=models.F("max_score")),
                name="slapolicy_band_ordered",
            ),
            models.CheckConstraint(condition=Q(max_score__lte=100), name="slapolicy_max_le_100"),
            models.CheckConstraint(
                condition=Q(score_kind__in=ScoreKind.values), name="slapolicy_score_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gte=1), name="slapolicy_hours_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(remind_at_percent__gte=1) & Q(remind_at_percent__lte=99),
                name="slapolicy_remind_1_99",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.min_score}-{self.max_score}: {self.response_hours} h)"


class BusinessHours(models.Model):
    """One opening interval of the weekly business calendar, in the TIME_ZONE setting."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="businesshours_opens_before_closes"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="businesshours_weekday_0_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class AssignmentRule(models.Model):
    """Narrows the round-robin to a set of reps for leads of a country and/or channel."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower runs first; the first match wins.")
    )
    country = CountryField(_("country"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    min_score = models.PositiveSmallIntegerField(
        _("minimum score"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Empty: any score."),
    )
    score_kind = models.CharField(
        _("score read"), max_length=20, choices=ScoreKind.choices, default=ScoreKind.MANUAL
    )
    reps = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reps"), related_name="assignment_rules"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(country="") | ~Q(channel="") | Q(min_score__isnull=False),
                name="assignmentrule_has_a_condition",
            ),
            models.CheckConstraint(
                condition=Q(score_kind__in=ScoreKind.values),
                name="assignmentrule_score_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def matches(
        self, *, country: str, channel: str, scores: dict[str, int | None] | None = None
    ) -> bool:
        """Country and channel match (blank: any); with a minimum score, the lead's score of
        `score_kind` (from `scores`, {kind: value}) is at least that. A preview without
        scores ignores the score condition."""
        if self.country and self.country != country:
            return False
        if self.channel and self.channel != channel:
            return False
        if self.min_score is None or scores is None:
            return True
        value = scores.get(self.score_kind)
        return value is not None and value >= self.min_score


class RotationPointer(models.Model):
    """Where the round-robin stands, per pool ("default" or "rule:<id>"); locked per handoff."""

    key = models.CharField(_("key"), max_length=50, unique=True)
    last_user_id = models.BigIntegerField(_("last assigned user id"), null=True, blank=True)
    turn = models.PositiveBigIntegerField(_("turns taken"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rotation pointer")
        verbose_name_plural = _("rotation pointers")

    def __str__(self) -> str:
        return f"{self.key} @ {self.last_user_id} (turn {self.turn})"


class RepAvailability(models.Model):
    """A sales rep's away flag and optional cap of open leads (handed off or accepted)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        related_name="availability",
    )
    away = models.BooleanField(_("away"), default=False)
    max_open_leads = models.PositiveIntegerField(
        _("maximum open leads"),
        null=True,
        blank=True,
        help_text=_("Skipped by the rotation while holding this many open leads; empty: no cap."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rep availability")
        verbose_name_plural = _("rep availability")

    def __str__(self) -> str:
        return f"{self.user} ({'away' if self.away else 'available'})"
