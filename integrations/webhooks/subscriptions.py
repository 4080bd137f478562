"""Webhook subscriptions: the URL guard (refuses private addresses) and the write services."""

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from leads.errors import InvalidInput

# The detail of a 400 answer, as the API gave it when these were Django ValidationErrors.
INVALID = "Invalid input."


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Refuse URLs that resolve to private, loopback or link-local addresses (SSRF guard)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput({"url": ["Give an http or https URL with a host."]}, INVALID)
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput({"url": ["The host does not resolve."]}, INVALID) from exc
    if not infos or not all(_is_public_address(info[4][0]) for info in infos):
        raise InvalidInput(
            {"url": ["Private, loopback and link-local addresses are refused."]}, INVALID
        )


def subscription_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(active=True).order_by("-created_at", "-id")


@transaction.atomic
def subscription_create(
    *, actor: AbstractBaseUser, url: str, events: list[str], secret: str = ""
) -> WebhookSubscription:
    check_url(url)
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise InvalidInput({"events": [f"Unknown or no events: {unknown}"]}, INVALID)
    subscription = WebhookSubscription(
        url=url,
        events=sorted(set(events)),
        secret=secret or secrets.token_urlsafe(32),
        created_by=actor,
    )
    try:
        subscription.full_clean()
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict, INVALID) from exc
    subscription.save()
    forget_subscriptions()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription_id: int, actor: AbstractBaseUser) -> None:
    """Deactivates (keeps the delivery log); pending deliveries of it are not sent."""
    WebhookSubscription.objects.filter(pk=subscription_id).update(active=False)
    forget_subscriptions()
    WebhookDelivery.objects.filter(
        subscription_id=subscription_id, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.FAILED)


def forget_subscriptions() -> None:
    """Drop the per-transaction memo of active subscriptions (see outbox)."""
    transaction.get_connection()._webhook_subscriptions = None
