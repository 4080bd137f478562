"""Sending webhook deliveries: one signed POST per attempt (with a stable delivery id header),
the attempt log written before and after each POST, backoff, due ids."""

import datetime as dt
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from integrations.models import AttemptState, DeliveryStatus, WebhookAttempt, WebhookDelivery
from integrations.webhooks.signing import SIGNATURE_HEADER, sign
from integrations.webhooks.subscriptions import check_url
from leads.errors import InvalidInput


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)

# The delivery's id, the same on every attempt of it: a receiver drops a body it has seen.
DELIVERY_HEADER = "X-Webhook-Delivery"
# Which attempt of the delivery this POST is (1, 2, ...).
ATTEMPT_HEADER = "X-Webhook-Attempt"
INTERRUPTED_ERROR = "interrupted: the worker stopped before the answer was logged"


def backoff(attempts: int) -> dt.timedelta:
    """Exponential: base, 2x base, 4x base, ... capped at six hours."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def lease() -> dt.timedelta:
    """How long a claimed delivery is held by the attempt that claimed it."""
    return dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3)


def deliver(delivery_id: int) -> str:
    """POST one due delivery once and log the attempt; returns the delivery's status.

    The row is claimed with a conditional update (its next attempt pushed past the
    timeout) so a retry and the sweep never send the same delivery at the same time. The
    attempt row is committed `in_flight` with the claim, BEFORE the POST, and completed
    after it: a worker killed mid-POST leaves it in the log, and the next claim marks it
    `interrupted`. The delivery is recorded as sent only while it is still pending, so
    never twice; every POST carries the delivery's id (DELIVERY_HEADER) for receivers to
    drop a repeat.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + lease(), attempts=F("attempts") + 1)
        if not claimed:
            return "skipped"
        _interrupt(WebhookAttempt.objects.filter(delivery_id=delivery_id))
        attempt = WebhookAttempt.objects.create(
            delivery_id=delivery_id, attempted_at=now, state=AttemptState.IN_FLIGHT
        )
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    status_code, error = _post(
        subscription.url,
        delivery.body.encode(),
        subscription.secret,
        {DELIVERY_HEADER: str(delivery_id), ATTEMPT_HEADER: str(delivery.attempts)},
    )
    ok = status_code is not None and 200 <= status_code < 300
    done_at = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.filter(pk=attempt.pk).update(
            state=AttemptState.DONE,
            status_code=status_code,
            duration_ms=int((done_at - now).total_seconds() * 1000),
            error=error,
            succeeded=ok,
        )
        if ok:
            new_status, next_at = DeliveryStatus.SUCCEEDED, done_at
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not subscription.active:
            new_status, next_at = DeliveryStatus.FAILED, done_at
        else:
            new_status, next_at = DeliveryStatus.PENDING, done_at + backoff(delivery.attempts)
        recorded = WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING
        ).update(status=new_status, next_attempt_at=next_at, delivered_at=done_at if ok else None)
    if not recorded:  # another attempt finished it first (its lease had run out)
        return WebhookDelivery.objects.values_list("status", flat=True).get(pk=delivery_id)
    return new_status


def _interrupt(attempts: QuerySet[WebhookAttempt]) -> int:
    return attempts.filter(state=AttemptState.IN_FLIGHT).update(
        state=AttemptState.INTERRUPTED,
        error=INTERRUPTED_ERROR,
    )


def interrupt_stale_attempts() -> int:
    """Mark `interrupted` the in-flight attempts older than a lease: their worker died (or
    lost its database) before it could log the answer."""
    return _interrupt(WebhookAttempt.objects.filter(attempted_at__lt=timezone.now() - lease()))


def _post(url: str, body: bytes, secret: str, headers: dict[str, str]) -> tuple[int | None, str]:
    try:
        check_url(url)
    except InvalidInput as exc:
        return None, "; ".join(m for messages in exc.errors.values() for m in messages)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "leadhandoff-webhooks/1",
            SIGNATURE_HEADER: sign(body, secret),
            **headers,
        },
    )
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        elapsed = time.monotonic() - started
        return None, f"{type(exc).__name__}: {exc} after {elapsed:.1f}s"


def due_delivery_ids(limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
