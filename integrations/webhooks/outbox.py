"""The outbox: delivery rows written in the move's transaction and queued on commit."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.tasks import deliver_webhook
from integrations.webhooks.payloads import ACTION_EVENTS, event_data, render_body
from leads import queueing


def on_lead_moved(sender: Any, event: Any, **kwargs: Any) -> None:
    """Write one delivery row per matching subscription, inside the move's transaction.

    The rows commit or roll back with the move; sending is queued on commit, and the
    beat sweep `webhooks-retry-due` sends whatever a lost queue message left behind.
    """
    _write_deliveries([event])


def on_leads_captured(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """A bulk capture's "created" events: the same rows as one `on_lead_moved` per event,
    written in one statement (the subscriptions read once), queued in one on-commit hook."""
    _write_deliveries(events)


def _write_deliveries(events: list[Any]) -> None:
    subscriptions: list[WebhookSubscription] | None = None
    rows: list[WebhookDelivery] = []
    now = timezone.now()
    for event in events:
        event_name = ACTION_EVENTS.get(event.action)
        if event_name is None:
            continue
        if subscriptions is None:
            subscriptions = _active_subscriptions()
        matching = [s for s in subscriptions if event_name in s.events]
        if not matching:
            continue
        body = render_body(event_name, event.at, event_data(event))
        rows += [
            WebhookDelivery(subscription=s, event=event_name, body=body, next_attempt_at=now)
            for s in matching
        ]
    if not rows:
        return
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in deliveries if d.pk is not None]
    queueing.enqueue_each_on_commit(deliver_webhook, [(delivery_id,) for delivery_id in ids])


def _active_subscriptions() -> list[WebhookSubscription]:
    """Active subscriptions, read once per transaction (a bulk capture sends a signal per lead).

    The memo is tied to the connection's on-commit list, which Django replaces on every
    commit and rollback, so it never outlives the transaction that read it.
    """
    conn = transaction.get_connection()
    memo = getattr(conn, "_webhook_subscriptions", None)
    if conn.in_atomic_block and memo is not None and memo[0] is conn.run_on_commit:
        return memo[1]
    subscriptions = list(WebhookSubscription.objects.filter(active=True).only("id", "events"))
    if conn.in_atomic_block:
        conn._webhook_subscriptions = (conn.run_on_commit, subscriptions)
    return subscriptions
