"""Campaigns, their spend, sales costs, leads and opportunities."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from leads import bounds
from leads.spread import MAX_SPAN_DAYS

MONEY = {"max_digits": 14, "decimal_places": 2}
# Amounts that reach a rollup: 0 .. bounds.MAX_AMOUNT (the form and admin share these).
AMOUNT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(bounds.MAX_AMOUNT)]
# A cost entry's period: end_date on or after date, at most MAX_SPAN_DAYS days in all.
SPAN_LIMIT = dt.timedelta(days=MAX_SPAN_DAYS - 1)
PERIOD_MESSAGE = _("Give an end date on or after the date, at most 366 days in all.")


def _in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PAID_SEARCH = "paid_search", _("Paid search")
    PAID_SOCIAL = "paid_social", _("Paid social")
    ORGANIC_SOCIAL = "organic_social", _("Organic social")
    CONTENT = "content", _("Content")
    SEO = "seo", _("SEO")
    EVENTS = "events", _("Events")
    WEBINAR = "webinar", _("Webinar")
    REFERRAL = "referral", _("Referral")
    PARTNER = "partner", _("Partner")
    OUTBOUND = "outbound", _("Outbound")
    OTHER = "other", _("Other")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    NURTURE = "nurture", _("Nurture")
    MQL = "mql", _("Marketing qualified")
    HANDED_OFF = "handed_off", _("Handed off")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


class OpportunityStage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class LossReason(models.TextChoices):
    """Why a deal was lost (workflow.md); `other` needs a note."""

    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_DECISION = "no_decision", _("No decision")
    TIMING = "timing", _("Timing")
    MISSING_FEATURES = "missing_features", _("Missing features")
    BUDGET = "budget", _("No budget")
    OTHER = "other", _("Other")


class WinReason(models.TextChoices):
    """Why a deal was won (optional, workflow.md)."""

    PRICE = "price", _("Price")
    PRODUCT_FIT = "product_fit", _("Product fit")
    RELATIONSHIP = "relationship", _("Relationship")
    TIMING = "timing", _("Timing")
    OTHER = "other", _("Other")


class Campaign(models.Model):
    Status = CampaignStatus

    name = models.CharField(_("name"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    utm_source = models.CharField(_("UTM source"), max_length=100, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=100, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["channel", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("channel", Channel), name="campaign_channel_valid"
            ),
            models.CheckConstraint(
                condition=_in_choices("status", CampaignStatus), name="campaign_status_valid"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_gte_0"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="campaign_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _cost_entry_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The database's share of the bounds of a cost entry (campaign or sales): an amount of
    0 or more within the rollup's range, a date in the window, and an optional period of at
    most SPAN_LIMIT days inside it."""
    return [
        models.CheckConstraint(condition=Q(amount__gte=0), name=f"{prefix}_amount_gte_0"),
        models.CheckConstraint(
            condition=bounds.amount_in_range("amount"),
            name=f"{prefix}_amount_in_range",
            violation_error_message=bounds.AMOUNT_MESSAGE,
        ),
        models.CheckConstraint(
            condition=bounds.date_in_window("date"),
            name=f"{prefix}_date_in_window",
            violation_error_message=bounds.DATE_MESSAGE,
        ),
        models.CheckConstraint(
            condition=Q(end_date__isnull=True)
            | (
                Q(end_date__gte=F("date"), end_date__lte=F("date") + SPAN_LIMIT)
                & bounds.date_in_window("end_date")
            ),
            name=f"{prefix}_end_date_period",
            violation_error_message=PERIOD_MESSAGE,
        ),
    ]


class CampaignCost(models.Model):
    """One spend entry of a campaign on a day (ad spend, sponsorship, agency fee)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="costs"
    )
    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Optional: the amount is spread evenly over every day from date to end date."),
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=AMOUNT_VALIDATORS)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        indexes = [models.Index(fields=["campaign", "date"]), models.Index(fields=["date"])]
        constraints = _cost_entry_constraints("campaigncost")

    def __str__(self) -> str:
        return f"{self.campaign} {self.date} {self.amount}"


class SalesCost(models.Model):
    """A sales-side cost on a day (salaries, commissions, tools): the rest of CAC."""

    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Optional: the amount is spread evenly over every day from date to end date."),
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=AMOUNT_VALIDATORS)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("sales cost")
        verbose_name_plural = _("sales costs")
        indexes = [models.Index(fields=["date"])]
        constraints = _cost_entry_constraints("salescost")

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"


class Lead(models.Model):
    Status = LeadStatus

    # Contact. `email` is stored normalised (trimmed, lower case) by the capture service,
    # so the duplicate check is a plain equality served by the partial unique index.
    email = models.EmailField(_("email"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    country = CountryField(_("country"), blank=True)

    external_id = models.CharField(
        _("external id"), max_length=128, unique=True, null=True, blank=True
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("source campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    score = models.PositiveSmallIntegerField(
        _("score"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_leads",
        help_text=_("The sales rep the lead is assigned to."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # First-time stamps, written once by the workflow service.
    first_mql_at = models.DateTimeField(_("first MQL at"), null=True, blank=True)
    first_handed_off_at = models.DateTimeField(_("first handed off at"), null=True, blank=True)
    first_accepted_at = models.DateTimeField(_("first accepted at"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [("backfill", "Can backfill action and creation times")]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["campaign", "created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(Lower("company"), name="lead_company_lower_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("status", LeadStatus), name="lead_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="lead_score_0_100"
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="lead_email_normalized"),
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(status="disqualified"),
                name="lead_live_email_unique",
            ),
            models.CheckConstraint(
                condition=bounds.time_in_window("created_at"), name="lead_created_at_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """The person: their name, or their email when no name was captured."""
        return self.full_name or self.email

    @property
    def label(self) -> str:
        """The lead as a sentence names it: the person, and their company when known."""
        return f"{self.display_name} ({self.company})" if self.company else self.display_name

    def editable_values(self) -> dict[str, Any]:
        """The fields a lead edit may change, as plain values (forms, the audit, webhooks)."""
        return {
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company": self.company,
            "job_title": self.job_title,
            "phone": self.phone,
            "country": str(self.country or ""),
            "campaign_id": self.campaign_id,
            "external_id": self.external_id,
            "score": self.score,
        }


class Opportunity(models.Model):
    Stage = OpportunityStage
    OPEN_STAGES = (Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
    CLOSED_STAGES = (Stage.WON, Stage.LOST)

    lead = models.OneToOneField(
        Lead, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="opportunity"
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY, validators=AMOUNT_VALIDATORS)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.QUALIFICATION
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_reason = models.CharField(
        _("loss reason"), max_length=20, blank=True, choices=LossReason.choices
    )
    won_reason = models.CharField(
        _("win reason"), max_length=20, blank=True, choices=WinReason.choices
    )
    close_note = models.TextField(
        _("close note"), blank=True, help_text=_("Why, in words (required for a loss of Other).")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["stage", "closed_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("stage", OpportunityStage), name="opportunity_stage_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_gte_0"),
            models.CheckConstraint(
                condition=(Q(stage__in=["won", "lost"]) & Q(closed_at__isnull=False))
                | (~Q(stage__in=["won", "lost"]) & Q(closed_at__isnull=True)),
                name="opportunity_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=~Q(stage="lost") | ~Q(lost_reason=""),
                name="opportunity_lost_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("created_at")),
                name="opportunity_closed_after_created",
            ),
            models.CheckConstraint(
                condition=bounds.amount_in_range("amount"), name="opportunity_amount_in_range"
            ),
            models.CheckConstraint(
                condition=bounds.time_in_window("created_at"),
                name="opportunity_created_at_in_window",
            ),
            models.CheckConstraint(
                condition=bounds.time_in_window("closed_at", nullable=True),
                name="opportunity_closed_at_in_window",
            ),
            models.CheckConstraint(
                condition=Q(lost_reason="") | _in_choices("lost_reason", LossReason),
                name="opportunity_lost_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(won_reason="") | _in_choices("won_reason", WinReason),
                name="opportunity_won_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(lost_reason="other") | ~Q(close_note=""),
                name="opportunity_lost_other_needs_note",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES


class TouchKind(models.TextChoices):
    CAPTURE = "capture", _("Capture")
    FORM = "form", _("Web form")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    MANUAL = "manual", _("Manual")


class Touch(models.Model):
    """One meeting of a lead with a campaign (attribution.md): its capture, a duplicate
    capture or import row, a web form, an API call. Touches without a campaign are not kept."""

    Kind = TouchKind

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="touches"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="touches"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=TouchKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [
            models.Index(fields=["lead", "at"], name="touch_lead_at_idx"),
            models.Index(fields=["campaign", "at"], name="touch_campaign_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", TouchKind), name="touch_kind_valid"
            ),
            models.CheckConstraint(
                condition=bounds.time_in_window("at"), name="touch_at_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} @ {self.campaign_id} ({self.kind}, {self.at:%Y-%m-%d})"


class SettingAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")


class SettingChange(models.Model):
    """One audited change of a setting made in the app: who, when, what, before and after.

    Written only by `leads.audit.record_change` inside the service's own transaction, so a
    change and its audit row commit together. Read by the settings history page.
    """

    Action = SettingAction

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    area = models.CharField(_("area"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=SettingAction.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("setting change")
        verbose_name_plural = _("setting changes")
        indexes = [models.Index(fields=["object_type", "object_id"], name="settingchange_object")]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("action", SettingAction), name="settingchange_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.area} {self.action} {self.object_label}"
