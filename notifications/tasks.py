"""Celery tasks of notices: their emails (notifications/emails.py does the work)."""

from __future__ import annotations

from celery import shared_task

from notifications import emails


# The name keeps its old "handoff." prefix: messages already queued use it.
@shared_task(
    name="handoff.send_notification_emails",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each pending notice once (claimed first, so a repeat sends nothing)."""
    return emails.send_pending(notification_ids)


@shared_task(name="notifications.tasks.email_sweep", ignore_result=True)
def notifications_email_sweep() -> int:
    """Beat: email every notice still pending (its queued task lost, or never queued)."""
    return emails.sweep()
