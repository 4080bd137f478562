"""Celery tasks of the integrations: send one webhook delivery, sweep due deliveries."""

import datetime as dt
import logging

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from integrations.models import IdempotencyKey, WebhookDelivery
from integrations.webhooks import delivery

logger = logging.getLogger(__name__)


@shared_task(name="crm.tasks.deliver_webhook", ignore_result=True, bind=True)
def deliver_webhook(self: Task, delivery_id: int) -> str:
    """Send a delivery once; when it failed and may retry, queue the next try after backoff
    (on the queue this message came from)."""
    status = delivery.deliver(delivery_id)
    if status == WebhookDelivery.Status.PENDING:
        attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        countdown = delivery.backoff(attempts).total_seconds()
        try:
            queue = (self.request.delivery_info or {}).get("routing_key")
            deliver_webhook.apply_async((delivery_id,), countdown=countdown, queue=queue)
        except Exception:  # broker down: the beat sweep picks the row up when it is due
            logger.warning("could not queue retry of webhook delivery %s", delivery_id)
    return status


@shared_task(name="crm.tasks.webhooks_retry_due", ignore_result=True)
def webhooks_retry_due() -> int:
    """Beat sweep: queue every pending delivery whose next attempt is due (lost or retried)."""
    ids = delivery.due_delivery_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)


@shared_task(name="crm.tasks.idempotency_keys_prune", ignore_result=True)
def idempotency_keys_prune() -> int:
    """Beat: forget Idempotency-Key answers older than IDEMPOTENCY_KEY_TTL_HOURS."""
    cutoff = timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
