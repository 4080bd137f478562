"""Daily rollups of the joint KPIs, their dirty-cell outbox, and the shared targets."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handoff.models import RejectionReason
from leads.models import Campaign, Channel

# Money in a rollup: a day's total of many entries. Entries are at most
# leads.bounds.MAX_AMOUNT (< 10^10), so a column of 10^18 holds a day of 100 million
# entries at that maximum: it cannot overflow in practice (entries keep MONEY, 14 digits).
ROLLUP_MONEY = {"max_digits": 20, "decimal_places": 2}

# The rejection reasons, one rollup column each (`rejected_<code>`).
REASON_CODES: tuple[str, ...] = tuple(RejectionReason.values)


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class DayFacts(models.Model):
    """The additive parts of every KPI for one day and one dimension value.

    Each count is attributed to the day (in settings.TIME_ZONE) of the timestamp that
    kpis.md names for it; every KPI of a range is a sum of these columns (plus the
    MQL repeat correction, see MqlRepeat) followed by a ratio.
    """

    day = models.DateField(_("day"))
    leads = _count(_("leads created"))
    cohort_customers = _count(_("leads created that day whose opportunity is won"))
    mqls = _count(_("distinct leads moved into mql that day"))
    handoffs = _count(_("handoffs handed off"))
    sla_met = _count(_("handoffs answered on time"))
    sla_breached = _count(_("handoffs answered late, overdue or reassigned late"))
    response_count = _count(_("handoffs answered (by handoff day)"))
    response_total = models.DurationField(_("sum of response times"), default=dt.timedelta)
    accepted = _count(_("answers accepted"))
    rejected = _count(_("answers rejected"))
    rating_count = _count(_("answers with a rating"))
    rating_sum = _count(_("sum of ratings"))
    opportunities = _count(_("opportunities created"))
    customers = _count(_("opportunities won"))
    lost = _count(_("opportunities lost"))
    revenue = models.DecimalField(_("revenue"), **ROLLUP_MONEY, default=Decimal("0"))
    sales_cycle_total = models.DurationField(_("sum of won sales cycles"), default=dt.timedelta)
    rejected_not_a_fit = _count("not_a_fit")
    rejected_no_budget = _count("no_budget")
    rejected_no_authority = _count("no_authority")
    rejected_no_need = _count("no_need")
    rejected_bad_timing = _count("bad_timing")
    rejected_bad_contact_data = _count("bad_contact_data")
    rejected_duplicate = _count("duplicate")
    rejected_competitor = _count("competitor")
    rejected_spam = _count("spam")
    rejected_other = _count("other")

    class Meta:
        abstract = True


FACT_FIELDS: tuple[str, ...] = (
    "leads",
    "cohort_customers",
    "mqls",
    "handoffs",
    "sla_met",
    "sla_breached",
    "response_count",
    "response_total",
    "accepted",
    "rejected",
    "rating_count",
    "rating_sum",
    "opportunities",
    "customers",
    "lost",
    "revenue",
    "sales_cycle_total",
    *(f"rejected_{code}" for code in REASON_CODES),
)


class CampaignDay(DayFacts):
    """One row per day x source campaign; campaign NULL is the "unattributed" bucket.

    Totals and channel figures are sums of these rows (channel through the campaign).
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    marketing_spend = models.DecimalField(
        _("marketing spend"), **ROLLUP_MONEY, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("campaign day rollup")
        verbose_name_plural = _("campaign day rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "campaign"],
                condition=Q(campaign__isnull=False),
                name="campaignday_unique",
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(campaign__isnull=True), name="campaignday_unattr_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "day"]),
            models.Index(fields=["day"], name="campaignday_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id or '-'}"


class OwnerDay(DayFacts):
    """One row per day x owner for the rep view; owner NULL holds leads with no owner yet.

    Lead-side facts go to the lead's owner, handoff facts to the handoff's assignee,
    opportunity facts to the opportunity's owner.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("owner day rollup")
        verbose_name_plural = _("owner day rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "owner"], condition=Q(owner__isnull=False), name="ownerday_unique"
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(owner__isnull=True), name="ownerday_unowned_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "day"]),
            models.Index(fields=["day"], name="ownerday_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} owner {self.owner_id or '-'}"


class MqlRepeat(models.Model):
    """Leads that moved into mql on `day` and had already done so on the earlier `prev_day`.

    Keeps `mqls` exactly "distinct leads" over any range while staying additive:
    mqls(start..end) = sum(mqls per day) - sum(repeats with day in range and prev_day >= start).
    """

    day = models.DateField(_("day"))
    prev_day = models.DateField(_("previous mql day"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    leads = models.PositiveIntegerField(_("leads"), default=0)

    class Meta:
        verbose_name = _("MQL repeat")
        verbose_name_plural = _("MQL repeats")
        indexes = [models.Index(fields=["day", "prev_day"])]

    def __str__(self) -> str:
        return f"{self.day} after {self.prev_day}: {self.leads}"


class SalesCostDay(models.Model):
    """Sales cost by day (it has no campaign and no owner)."""

    day = models.DateField(_("day"), unique=True)
    sales_cost = models.DecimalField(_("sales cost"), **ROLLUP_MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("sales cost day rollup")
        verbose_name_plural = _("sales cost day rollups")

    def __str__(self) -> str:
        return f"{self.day} {self.sales_cost}"


class DirtyCell(models.Model):
    """Outbox of rollup cells to recompute, written in the same transaction as the change.

    Append-only: duplicates are harmless (the refresh dedupes), and a row is deleted only
    by the refresh that claimed it, so a change committed during a refresh is never lost.
    A cell that cannot be computed keeps its rows: `attempts`, `last_error` and `retry_at`
    (backoff) record the failure, and the cell is tried again once `retry_at` has passed.
    """

    class Dimension(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        OWNER = "owner", _("Owner")
        SALES = "sales", _("Sales cost")

    day = models.DateField(_("day"))
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    # The campaign or owner id; 0 for "none" (unattributed / unowned / sales cost).
    ref = models.BigIntegerField(_("campaign or owner id"), default=0)
    created_at = models.DateTimeField(_("marked at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dirty rollup cell")
        verbose_name_plural = _("dirty rollup cells")

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.ref}"


class RefreshState(models.Model):
    """A single row: the refresh mutex, when rollups were last refreshed, and the SLA watermark."""

    refreshed_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    overdue_checked_until = models.DateTimeField(
        _("SLA due times checked until"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("refresh state")
        verbose_name_plural = _("refresh state")

    def __str__(self) -> str:
        return f"refreshed at {self.refreshed_at}"


class TargetMetric(models.TextChoices):
    LEADS = "leads", _("Leads")
    MQLS = "mqls", _("MQLs")
    OPPORTUNITIES = "opportunities", _("Opportunities")
    CUSTOMERS = "customers", _("Customers")
    REVENUE = "revenue", _("Revenue")
    MARKETING_SPEND = "marketing_spend", _("Marketing spend")
    CAC = "cac", _("CAC")
    SLA_COMPLIANCE_RATE = "sla_compliance_rate", _("SLA compliance rate")


class Target(models.Model):
    """The plan for one metric in one month: overall (channel and owner empty), for one
    channel, or for one rep (owner; a rep's customers and revenue targets are their quota)."""

    Metric = TargetMetric

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    metric = models.CharField(_("metric"), max_length=30, choices=TargetMetric.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rep"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["month", "metric", "channel"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "metric", "channel"],
                condition=Q(channel__isnull=False),
                name="target_unique_channel",
            ),
            models.UniqueConstraint(
                fields=["month", "metric"],
                condition=Q(channel__isnull=True, owner__isnull=True),
                name="target_unique_overall",
            ),
            models.UniqueConstraint(
                fields=["month", "metric", "owner"],
                condition=Q(owner__isnull=False),
                name="target_unique_owner",
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=True) | Q(owner__isnull=True),
                name="target_channel_or_owner",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_gte_0"),
            models.CheckConstraint(
                condition=Q(metric__in=TargetMetric.values), name="target_metric_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=True) | Q(channel__in=Channel.values),
                name="target_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        scope = self.channel or (f"rep {self.owner_id}" if self.owner_id else "all")
        return f"{self.month:%Y-%m} {self.metric} {scope} = {self.value}"


class RecomputeChunk(models.Model):
    """One month of a full recompute fanned out over Celery workers (`metrics.fanout`).

    Written `queued` by `recompute_kpis --fanout`, then `done` or `failed` by the worker
    that ran it, so the command can wait and report without a result backend.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.UUIDField(_("run"), db_index=True)
    first = models.DateField(_("first day"))
    last = models.DateField(_("last day"))
    # Dirty cells of these days with an id up to this one were there when the run began.
    claim_upto = models.BigIntegerField(_("dirty cells up to id"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    failed_cells = models.PositiveIntegerField(_("failed cells"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute chunk")
        verbose_name_plural = _("recompute chunks")

    def __str__(self) -> str:
        return f"{self.first}..{self.last} {self.status}"


from metrics.models_attribution import AttributionCredit, AttributionDirty  # noqa: E402, F401
