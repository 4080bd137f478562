"""The emails of notices, called by notifications/tasks.py.

`build_email` makes one notice's message: a subject, a plain-text body and its HTML
alternative, in the recipient's language, times in the project's zone, with a link to
the lead.

Sending is an outbox: each notice is written `pending` with the move that made it. A
sender first claims pending rows (`sending`, in its own committed transaction, skipping
rows another sender holds), then sends and marks each `sent`: a notice is emailed at most
once however many tasks and sweeps ask for it. A send that fails puts the unsent rows
back to `pending` for the retry or the next sweep.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from leads.roles import user_label
from notifications import texts
from notifications.models import EmailState, Notification

SWEEP_BATCH = 200
# The lead page belongs to the workflow; it is named, never imported.
LEAD_PAGE = "handoff:lead_detail"


def recipient_language(user: AbstractBaseUser) -> str:
    """The language of the user's emails. Users store no language preference yet, so it
    is settings.LANGUAGE_CODE; this is the one place to change when they do."""
    return settings.LANGUAGE_CODE


def recipient_zone(user: AbstractBaseUser) -> str:
    """The time zone of the user's emails: settings.TIME_ZONE (users store no zone yet)."""
    return settings.TIME_ZONE


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def build_email(note: Notification) -> EmailMultiAlternatives | None:
    """The message for one notice (None when its recipient has no email address)."""
    recipient = note.recipient
    if not recipient.email:
        return None
    with (
        translation.override(recipient_language(recipient)),
        timezone.override(recipient_zone(recipient)),
    ):
        lead_url = (
            absolute(reverse(LEAD_PAGE, kwargs={"lead_id": note.lead_id})) if note.lead_id else ""
        )
        context = {
            "title": str(note.get_kind_display()),
            "text": texts.render(note),
            "reader": user_label(recipient),
            "lead_label": note.lead.label if note.lead_id else "",
            "lead_url": lead_url,
            "list_url": absolute(reverse("notifications:list")),
            "sent_at": timezone.localtime(note.created_at),
            "zone": recipient_zone(recipient),
            "language": recipient_language(recipient),
        }
        subject = f"[CRM] {context['title']}"
        if context["lead_label"]:
            subject += f": {context['lead_label']}"
        text_body = render_to_string("notifications/email/notice.txt", context)
        html_body = render_to_string("notifications/email/notice.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html_body, "text/html")
    return message


def _claim(notification_ids: list[int] | None, limit: int) -> list[Notification]:
    with transaction.atomic():
        rows = Notification.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            email_state=EmailState.PENDING
        )
        if notification_ids is not None:
            rows = rows.filter(pk__in=notification_ids)
        notes = list(rows.select_related("recipient", "lead").order_by("id")[:limit])
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(
            email_state=EmailState.SENDING
        )
    return notes


def _mark(note: Notification, state: str) -> None:
    Notification.objects.filter(pk=note.pk).update(
        email_state=state, email_sent_at=timezone.now() if state == EmailState.SENT else None
    )


def send_pending(notification_ids: list[int]) -> int:
    """Email the pending notices among `notification_ids`; returns how many were sent."""
    return _send(_claim(notification_ids, len(notification_ids)))


def _send(notes: list[Notification]) -> int:
    sent = 0
    for index, note in enumerate(notes):
        message = build_email(note)
        if message is None:
            _mark(note, EmailState.SKIPPED)
            continue
        try:
            sent += message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            _mark(note, EmailState.SKIPPED)
            continue
        except Exception:
            unsent = [n.pk for n in notes[index:]]
            Notification.objects.filter(pk__in=unsent).update(email_state=EmailState.PENDING)
            raise
        _mark(note, EmailState.SENT)
    return sent


def sweep() -> int:
    """Send every notice still pending (their on-commit task was lost or never queued)."""
    total = 0
    while True:
        notes = _claim(None, SWEEP_BATCH)
        total += _send(notes)
        if len(notes) < SWEEP_BATCH:
            return total
