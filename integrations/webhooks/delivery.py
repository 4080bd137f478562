"""Sending webhook deliveries: one signed POST per attempt, the attempt log, backoff, due ids."""

import datetime as dt
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from integrations.webhooks.signing import SIGNATURE_HEADER, sign
from integrations.webhooks.subscriptions import check_url
from leads.errors import InvalidInput


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def backoff(attempts: int) -> dt.timedelta:
    """Exponential: base, 2x base, 4x base, ... capped at six hours."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def deliver(delivery_id: int) -> str:
    """POST one due delivery once and log the attempt; returns the delivery's status.

    The row is claimed with a conditional update (its next attempt pushed past the
    timeout) so a retry and the sweep never send the same delivery at the same time.
    """
    now = timezone.now()
    lease = now + dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    status_code, error = _post(subscription.url, delivery.body.encode(), subscription.secret)
    ok = status_code is not None and 200 <= status_code < 300
    attempts = delivery.attempts + 1
    done_at = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=status_code,
            duration_ms=int((done_at - now).total_seconds() * 1000),
            error=error,
            succeeded=ok,
        )
        if ok:
            new_status, next_at = DeliveryStatus.SUCCEEDED, done_at
        elif attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not subscription.active:
            new_status, next_at = DeliveryStatus.FAILED, done_at
        else:
            new_status, next_at = DeliveryStatus.PENDING, done_at + backoff(attempts)
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=new_status,
            attempts=attempts,
            next_attempt_at=next_at,
            delivered_at=done_at if ok else None,
        )
    return new_status


def _post(url: str, body: bytes, secret: str) -> tuple[int | None, str]:
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
