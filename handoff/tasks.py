"""Celery tasks of the workflow: the SLA sweep (beat) and notification emails."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from handoff.models import Notification
from handoff.sla import sweep


@shared_task(
    name="handoff.sla_sweep",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def sla_sweep() -> dict[str, int]:
    """Run the SLA sweep once; idempotent, so overlapping beat ticks are harmless."""
    result = sweep.sla_sweep()
    return {
        "reminded": len(result.reminded),
        "breached": len(result.breached),
        "reassigned": len(result.reassigned),
        "escalated": len(result.escalated),
    }


@shared_task(
    name="handoff.send_notification_emails",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notice to its recipient (those without an email address are left out)."""
    sent = 0
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    for note in notes:
        address = note.recipient.email
        if not address:
            continue
        sent += send_mail(
            subject=f"[CRM] {note.get_kind_display()}",
            message=note.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
            fail_silently=False,
        )
    return sent
