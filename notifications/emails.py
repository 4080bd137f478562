"""Sending the emails of notices, called by notifications/tasks.py.

Each notice is written `pending` with the move that made it (an outbox). A sender first
claims pending rows (`sending`, in its own committed transaction, skipping rows another
sender holds), then sends and marks each `sent`: a notice is emailed at most once however
many tasks and sweeps ask for it. A send that fails puts the unsent rows back to `pending`
for the retry or the next sweep.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from notifications import texts
from notifications.models import EmailState, Notification

SWEEP_BATCH = 200


def recipient_language(user: AbstractBaseUser) -> str:
    """The language of the user's emails. Users store no language preference yet, so it
    is settings.LANGUAGE_CODE; this is the one place to change when they do."""
    return settings.LANGUAGE_CODE


def _claim(notification_ids: list[int] | None, limit: int) -> list[Notification]:
    with transaction.atomic():
        rows = Notification.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            email_state=EmailState.PENDING
        )
        if notification_ids is not None:
            rows = rows.filter(pk__in=notification_ids)
        notes = list(rows.select_related("recipient").order_by("id")[:limit])
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
        address = note.recipient.email
        if not address:
            _mark(note, EmailState.SKIPPED)
            continue
        with translation.override(recipient_language(note.recipient)):
            subject = f"[CRM] {note.get_kind_display()}"
            body = texts.render(note)
        try:
            sent += send_mail(
                subject=subject,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
                fail_silently=False,
            )
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
