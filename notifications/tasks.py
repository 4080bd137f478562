"""Celery task of notices: their emails, each in its recipient's language."""

from __future__ import annotations

from celery import shared_task

from notifications.emails import build_email
from notifications.models import Notification


# The name keeps its old "handoff." prefix: messages already queued use it.
@shared_task(
    name="handoff.send_notification_emails",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notice to its recipient (those without an email address are left out)."""
    sent = 0
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("recipient", "lead")
    for note in notes:
        message = build_email(note)
        if message is not None:
            sent += message.send(fail_silently=False)
    return sent
