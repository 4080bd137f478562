"""Celery tasks of the workflow: the SLA sweep (beat). Notification emails are
`notifications.tasks.send_notification_emails`."""

from __future__ import annotations

from celery import shared_task

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
