"""What a manager does to a subscription's deliveries from its page: send a test event and
retry a failed delivery. Both write a delivery row and queue it on commit, exactly like the
outbox, so they go through the one delivery path (signing, attempt log, sweep)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import (
    TEST_EVENT,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.tasks import deliver_webhook
from integrations.webhooks.payloads import render_body
from integrations.webhooks.subscriptions import AREA, INVALID, WEBHOOK_ROLES
from leads import queueing
from leads.audit import record_change, snapshot
from leads.errors import ActionNotAllowed, InvalidInput
from leads.roles import has_role


def _check_actor(actor: AbstractBaseUser) -> None:
    if not has_role(actor, *WEBHOOK_ROLES):
        raise ActionNotAllowed(_("Your role may not manage webhooks."))


def subscriptions_all() -> QuerySet[WebhookSubscription]:
    """Every subscription, active or not, newest first (the settings page's list)."""
    return WebhookSubscription.objects.select_related("created_by").order_by("-created_at", "-id")


def delivery_log(*, subscription_id: int) -> QuerySet[WebhookDelivery]:
    """A subscription's deliveries, newest first, each with its attempts (two queries a page)."""
    attempts = WebhookAttempt.objects.order_by("attempted_at", "id")
    return (
        WebhookDelivery.objects.filter(subscription_id=subscription_id)
        .defer("body")
        .prefetch_related(Prefetch("attempt_log", queryset=attempts))
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def send_test_event(*, actor: AbstractBaseUser, subscription_id: int) -> WebhookDelivery:
    """Queue a signed `webhook.test` POST to the subscription's URL (active or not)."""
    _check_actor(actor)
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise InvalidInput({"subscription": [_("No such webhook.")]}, INVALID)
    now = timezone.now()
    body = render_body(
        TEST_EVENT,
        now,
        {"subscription": subscription.pk, "message": "A test event sent from the webhook page."},
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event=TEST_EVENT, body=body, next_attempt_at=now
    )
    record_change(
        actor=actor,
        area=AREA,
        obj=delivery,
        action="created",
        after=snapshot(delivery, ("subscription", "event", "status")),
        label=f"{TEST_EVENT} -> {subscription.url}",
    )
    queueing.enqueue_on_commit(deliver_webhook, delivery.pk)
    return delivery


@transaction.atomic
def delivery_retry(*, actor: AbstractBaseUser, delivery_id: int) -> WebhookDelivery:
    """Put a failed delivery back to pending, due now, and queue it (the beat sweep sends it
    if the queue is down). Its attempt count is kept, so a retry that fails again past
    WEBHOOK_MAX_ATTEMPTS is failed again at once rather than retried on its own."""
    _check_actor(actor)
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise InvalidInput({"delivery": [_("No such delivery.")]}, INVALID)
    if delivery.status != DeliveryStatus.FAILED:
        raise InvalidInput({"delivery": [_("Only a failed delivery can be retried.")]}, INVALID)
    if not delivery.subscription.active:
        raise InvalidInput(
            {"delivery": [_("The webhook is disabled: enable it before retrying.")]}, INVALID
        )
    before = snapshot(delivery, ("status",))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    record_change(
        actor=actor,
        area=AREA,
        obj=delivery,
        action="updated",
        before=before,
        after=snapshot(delivery, ("status",)),
        label=f"{delivery.event} -> {delivery.subscription.url} (retry)",
    )
    queueing.enqueue_on_commit(deliver_webhook, delivery.pk)
    return delivery
