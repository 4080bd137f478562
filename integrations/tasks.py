"""Celery tasks of the integrations: send one webhook delivery, sweep due deliveries."""

import datetime as dt

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from integrations.models import IdempotencyKey, WebhookDelivery
from integrations.webhooks import delivery
from leads import queueing


@shared_task(name="crm.tasks.deliver_webhook", ignore_result=True, bind=True)
def deliver_webhook(self: Task, delivery_id: int) -> str:
    """Send a delivery once; when it failed and may retry, queue the next try after backoff
    (on the queue this message came from)."""
    status = delivery.deliver(delivery_id)
    if status == WebhookDelivery.Status.PENDING:
        attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        countdown = delivery.backoff(attempts).total_seconds()
        queue = (self.request.delivery_info or {}).get("routing_key")
        # broker down: the beat sweep picks the row up when it is due
        queueing.send(deliver_webhook, args=(delivery_id,), countdown=countdown, queue=queue)
    return status


@shared_task(name="crm.tasks.webhooks_retry_due", ignore_result=True)
def webhooks_retry_due() -> int:
    """Beat sweep: log as interrupted the attempts a dead worker left in flight, then queue
    every pending delivery whose next attempt is due (never queued, lost, or retried)."""
    delivery.interrupt_stale_attempts()
    queued = 0
    for delivery_id in delivery.due_delivery_ids():
        if queueing.enqueue(deliver_webhook, delivery_id) is None:
            break  # the broker is down: the next sweep tries again
        queued += 1
    return queued


@shared_task(name="crm.tasks.idempotency_keys_prune", ignore_result=True)
def idempotency_keys_prune() -> int:
    """Beat: forget Idempotency-Key answers older than IDEMPOTENCY_KEY_TTL_HOURS."""
    cutoff = timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
