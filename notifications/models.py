"""In-app notices: one row per recipient, its text stored as a code and parameters.

The table keeps its old name (`handoff_notification`): the model moved here from `handoff`
without moving data. `handoff` is the string reference "handoff.Handoff" so that this app
never imports the workflow; it is the one model-level reference upward and no code here
reads it (the workflow writes it, and deleting a handoff deletes its notices).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead
from notifications import texts


class NotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", _("New lead assigned")
    SLA_REMINDER = "sla_reminder", _("SLA due soon")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    LEAD_REJECTED = "lead_rejected", _("Lead rejected")


class EmailState(models.TextChoices):
    """Where a notice's email is: written `pending` with the notice (an outbox), claimed
    `sending` by exactly one sender, then `sent`; `skipped` when the recipient has no
    address. A claimed email is never sent again, so each notice is emailed at most once."""

    PENDING = "pending", _("Email pending")
    SENDING = "sending", _("Email being sent")
    SENT = "sent", _("Email sent")
    SKIPPED = "skipped", _("No email address")


class Notification(models.Model):
    """An in-app notice for one user, read or unread.

    `code` and `params` say what to show (see `notifications.texts`), so each reader sees it
    in their own language; `message` is the English rendering kept for the admin and for
    rows written before codes existed (those have an empty `code`).
    """

    Kind = NotificationKind
    EmailState = EmailState

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    handoff = models.ForeignKey(
        "handoff.Handoff",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    code = models.CharField(_("text code"), max_length=50, blank=True)
    params = models.JSONField(_("text parameters"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("email"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)

    class Meta:
        db_table = "handoff_notification"
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-created_at"],
                name="handoff_not_recipie_69c212_idx",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(email_state="pending"),
                name="notification_email_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(email_state__in=EmailState.values),
                name="notification_email_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def text(self) -> str:
        """The notice in the active language."""
        return texts.render(self)
