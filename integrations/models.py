"""Integration plumbing: API tokens, idempotency keys and webhook subscriptions and deliveries."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A named, revocable API key of a user. Only the SHA-256 of the key is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    prefix = models.CharField(_("prefix"), max_length=TOKEN_PREFIX_LENGTH, unique=True)
    key_hash = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        db_table = "crm_apitoken"  # moved from crm without moving data
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name} ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate_key() -> str:
        """A new key: `<8-char prefix>.<secret>`; the prefix names the token in lists."""
        return f"{secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)}.{secrets.token_urlsafe(32)}"


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key` header, replayed on repeats."""

    key = models.CharField(_("key"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "crm_idempotencykey"  # moved from crm without moving data
        ordering = ["-created_at", "-id"]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        indexes = [models.Index(fields=["created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class WebhookEvent(models.TextChoices):
    LEAD_CREATED = "lead.created", "lead.created"
    LEAD_QUALIFIED = "lead.qualified", "lead.qualified"
    LEAD_HANDED_OFF = "lead.handed_off", "lead.handed_off"
    LEAD_ACCEPTED = "lead.accepted", "lead.accepted"
    LEAD_REJECTED = "lead.rejected", "lead.rejected"
    LEAD_CONVERTED = "lead.converted", "lead.converted"
    OPPORTUNITY_WON = "opportunity.won", "opportunity.won"
    OPPORTUNITY_LOST = "opportunity.lost", "opportunity.lost"
    SLA_BREACHED = "sla.breached", "sla.breached"


# The event of a test delivery sent from the webhook page: never subscribed to, always sent.
TEST_EVENT = "webhook.test"
DELIVERY_EVENTS = [*WebhookEvent.choices, (TEST_EVENT, TEST_EVENT)]


class WebhookSubscription(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "crm_webhooksubscription"  # moved from crm without moving data
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the move's transaction, sent by Celery."""

    Status = DeliveryStatus

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=DELIVERY_EVENTS)
    body = models.TextField(_("JSON body as signed"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        db_table = "crm_webhookdelivery"  # moved from crm without moving data
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription_id} ({self.status})"


class AttemptState(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    DONE = "done", _("Done")
    INTERRUPTED = "interrupted", _("Interrupted")


class WebhookAttempt(models.Model):
    """Every POST of a delivery: when, the HTTP status (if any answer came) and the error.

    The row is committed `in_flight` before the POST and completed (`done`) after it, so a
    POST cut by a dead worker is still in the log; the next attempt or the beat sweep marks
    it `interrupted` (the receiver may or may not have got that body)."""

    State = AttemptState

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=AttemptState.choices, default=AttemptState.IN_FLIGHT
    )

    class Meta:
        db_table = "crm_webhookattempt"  # moved from crm without moving data
        ordering = ["attempted_at", "id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error[:30]}"


def new_form_slug() -> str:
    """The public, unguessable part of a form's URL (96 random bits)."""
    return secrets.token_urlsafe(12)


class FormField(models.TextChoices):
    """The optional fields a public form may show (the email is always shown and required)."""

    FIRST_NAME = "first_name", _("First name")
    LAST_NAME = "last_name", _("Last name")
    COMPANY = "company", _("Company")
    JOB_TITLE = "job_title", _("Job title")
    PHONE = "phone", _("Phone")
    COUNTRY = "country", _("Country")


class LeadForm(models.Model):
    """A public web form of a campaign: a hosted page `/f/<slug>/` and an HTML snippet.

    Submissions are captured as leads (touch kind `form`) by `public_forms.submissions`;
    the counters say how many were captured and how many were dropped as spam."""

    campaign = models.ForeignKey(
        "leads.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="lead_forms",
    )
    slug = models.CharField(_("public id"), max_length=32, unique=True, default=new_form_slug)
    title = models.CharField(_("title"), max_length=200)
    fields = models.JSONField(_("fields shown"), default=list, blank=True)
    consent_text = models.TextField(_("consent text"), max_length=2000)
    consent_required = models.BooleanField(_("consent must be ticked"), default=True)
    thank_you_message = models.TextField(_("thank-you message"), max_length=2000)
    redirect_url = models.URLField(_("redirect URL"), max_length=500, blank=True)
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Counters (F() updates, never audited).
    captured_count = models.PositiveIntegerField(_("captured"), default=0)
    dropped_honeypot = models.PositiveIntegerField(_("dropped: honeypot"), default=0)
    dropped_too_fast = models.PositiveIntegerField(_("dropped: too fast"), default=0)
    dropped_rate_limited = models.PositiveIntegerField(_("dropped: rate limited"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.title

    @property
    def dropped_count(self) -> int:
        return self.dropped_honeypot + self.dropped_too_fast + self.dropped_rate_limited
