"""Webhooks: subscriptions, signed bodies, delivery rows written with each move, and sending."""

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"

# LeadEvent.action (handoff.transitions.Action) -> webhook event
ACTION_EVENTS: dict[str, str] = {
    "created": WebhookEvent.LEAD_CREATED,
    "qualify": WebhookEvent.LEAD_QUALIFIED,
    "handoff": WebhookEvent.LEAD_HANDED_OFF,
    "reassign": WebhookEvent.LEAD_HANDED_OFF,
    "accept": WebhookEvent.LEAD_ACCEPTED,
    "reject": WebhookEvent.LEAD_REJECTED,
    "convert": WebhookEvent.LEAD_CONVERTED,
    "won": WebhookEvent.OPPORTUNITY_WON,
    "lost": WebhookEvent.OPPORTUNITY_LOST,
    "sla_breached": WebhookEvent.SLA_BREACHED,
}


# --- signing --------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The `X-Signature` header value: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    return hmac.compare_digest(sign(body, secret), header or "")


# --- subscriptions --------------------------------------------------------------------------


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Refuse URLs that resolve to private, loopback or link-local addresses (SSRF guard)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": ["Give an http or https URL with a host."]})
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValidationError({"url": ["The host does not resolve."]}) from exc
    if not infos or not all(_is_public_address(info[4][0]) for info in infos):
        raise ValidationError({"url": ["Private, loopback and link-local addresses are refused."]})


def subscription_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(active=True).order_by("-created_at", "-id")


@transaction.atomic
def subscription_create(
    *, actor: AbstractBaseUser, url: str, events: list[str], secret: str = ""
) -> WebhookSubscription:
    check_url(url)
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise ValidationError({"events": [f"Unknown or no events: {unknown}"]})
    subscription = WebhookSubscription(
        url=url,
        events=sorted(set(events)),
        secret=secret or secrets.token_urlsafe(32),
        created_by=actor,
    )
    subscription.full_clean()
    subscription.save()
    _forget_subscriptions()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription_id: int, actor: AbstractBaseUser) -> None:
    """Deactivates (keeps the delivery log); pending deliveries of it are not sent."""
    WebhookSubscription.objects.filter(pk=subscription_id).update(active=False)
    _forget_subscriptions()
    WebhookDelivery.objects.filter(
        subscription_id=subscription_id, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.FAILED)


# --- payloads -------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def lead_data(lead: Any) -> dict[str, Any]:
    values = lead.editable_values()
    values["campaign"] = values.pop("campaign_id")
    return {
        "id": lead.pk,
        **values,
        "status": lead.status,
        "owner": lead.owner_id,
        "created_at": _iso(lead.created_at),
    }


def event_data(event: Any) -> dict[str, Any]:
    """`data` of a webhook body: the lead, the move, and its handoff or opportunity."""
    data: dict[str, Any] = {
        "lead": lead_data(event.lead),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor_id,
        "at": _iso(event.at),
        "input": event.data,
    }
    handoff = event.handoff
    if handoff is not None:
        data["handoff"] = {
            "id": handoff.pk,
            "assignee": handoff.assignee_id,
            "handed_off_by": handoff.handed_off_by_id,
            "handed_off_at": _iso(handoff.handed_off_at),
            "sla_due_at": _iso(handoff.sla_due_at),
            "responded_at": _iso(handoff.responded_at),
            "outcome": handoff.outcome,
            "reason": handoff.reason,
            "rating": handoff.rating,
            "feedback": handoff.feedback,
        }
    opportunity = event.opportunity
    if opportunity is not None:
        data["opportunity"] = {
            "id": opportunity.pk,
            "lead": opportunity.lead_id,
            "name": opportunity.name,
            "amount": _money(opportunity.amount),
            "stage": opportunity.stage,
            "owner": opportunity.owner_id,
            "expected_close_date": _iso(opportunity.expected_close_date),
            "created_at": _iso(opportunity.created_at),
            "closed_at": _iso(opportunity.closed_at),
            "lost_reason": opportunity.lost_reason,
        }
    return data


def render_body(event_name: str, occurred_at: dt.datetime, data: dict[str, Any]) -> str:
    body = {"event": event_name, "occurred_at": occurred_at.isoformat(), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


# --- the outbox: rows written in the move's transaction -------------------------------------


def on_lead_moved(sender: Any, event: Any, **kwargs: Any) -> None:
    """Write one delivery row per matching subscription, inside the move's transaction.

    The rows commit or roll back with the move; sending is queued on commit, and the
    beat sweep `webhooks-retry-due` sends whatever a lost queue message left behind.
    """
    event_name = ACTION_EVENTS.get(event.action)
    if event_name is None:
        return
    subscriptions = [s for s in _active_subscriptions() if event_name in s.events]
    if not subscriptions:
        return
    body = render_body(event_name, event.at, event_data(event))
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=s, event=event_name, body=body, next_attempt_at=now)
            for s in subscriptions
        ]
    )
    ids = [d.pk for d in deliveries if d.pk is not None]
    transaction.on_commit(lambda: _queue(ids))


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


def _forget_subscriptions() -> None:
    transaction.get_connection()._webhook_subscriptions = None


def _queue(delivery_ids: list[int]) -> None:
    from crm.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        try:
            deliver_webhook.delay(delivery_id)
        except Exception:  # broker down: the row stays due and the sweep sends it later
            logger.warning("could not queue webhook delivery %s; the sweep will", delivery_id)


# --- sending --------------------------------------------------------------------------------


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
    except ValidationError as exc:
        return None, "; ".join(exc.messages)
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
