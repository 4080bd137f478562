"""Webhook subscriptions: the URL guard (refuses private addresses) and the write services
(create, update, deactivate, delete), each audited without the secret."""

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from leads.audit import record_change, snapshot
from leads.errors import ActionNotAllowed, InvalidInput
from leads.roles import MANAGER, MARKETING, has_role

AREA = "webhooks"
AUDITED_FIELDS = ("url", "events", "active")
# The secret is never audited: only a marker saying it was set or changed.
SECRET_SET, SECRET_CHANGED, SECRET_KEPT = "set", "changed", "unchanged"
SECRET_MIN_LENGTH, SECRET_MAX_LENGTH = 16, 128
# Who may write subscriptions (the API lets marketing too; the pages are managers').
WEBHOOK_ROLES = (MARKETING, MANAGER)

# The detail of a 400 answer, as the API gave it when these were Django ValidationErrors.
INVALID = "Invalid input."


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Refuse URLs that resolve to private, loopback or link-local addresses (SSRF guard)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput({"url": [_("Give an http or https URL with a host.")]}, INVALID)
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput({"url": [_("The host does not resolve.")]}, INVALID) from exc
    if not infos or not all(_is_public_address(info[4][0]) for info in infos):
        raise InvalidInput(
            {"url": [_("Private, loopback and link-local addresses are refused.")]}, INVALID
        )


def subscription_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(active=True).order_by("-created_at", "-id")


def _check_actor(actor: AbstractBaseUser | None) -> None:
    if actor is not None and not has_role(actor, *WEBHOOK_ROLES):
        raise ActionNotAllowed(_("Your role may not manage webhooks."))


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise InvalidInput({"events": [f"Unknown or no events: {unknown}"]}, INVALID)
    return sorted(set(events))


def _check_secret(secret: str) -> None:
    if secret and not SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH:
        raise InvalidInput(
            {
                "secret": [
                    _("Between %(min)d and %(max)d characters.")
                    % {"min": SECRET_MIN_LENGTH, "max": SECRET_MAX_LENGTH}
                ]
            },
            INVALID,
        )


def _audit_snapshot(subscription: WebhookSubscription, *, secret: str = SECRET_KEPT) -> dict:
    """The audited fields; the secret only as a marker saying whether it changed."""
    return {**snapshot(subscription, AUDITED_FIELDS), "secret": secret}


def _full_clean(subscription: WebhookSubscription) -> None:
    try:
        subscription.full_clean()
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict, INVALID) from exc


@transaction.atomic
def subscription_create(
    *, actor: AbstractBaseUser, url: str, events: list[str], secret: str = ""
) -> WebhookSubscription:
    """A new subscription; without a `secret` one is generated (the caller shows it once)."""
    _check_actor(actor)
    check_url(url)
    _check_secret(secret)
    subscription = WebhookSubscription(
        url=url,
        events=_check_events(events),
        secret=secret or secrets.token_urlsafe(32),
        created_by=actor,
    )
    _full_clean(subscription)
    subscription.save()
    record_change(
        actor=actor,
        area=AREA,
        obj=subscription,
        action="created",
        after=_audit_snapshot(subscription, secret=SECRET_SET),
    )
    forget_subscriptions()
    return subscription


@transaction.atomic
def subscription_update(
    *,
    actor: AbstractBaseUser,
    subscription_id: int,
    url: str,
    events: list[str],
    active: bool,
    secret: str = "",
) -> WebhookSubscription:
    """Change the URL, events or active flag, and the secret when one is given. Disabling
    fails the pending deliveries (they are not sent); the log is kept."""
    _check_actor(actor)
    subscription = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id)
    subscription = subscription.first()
    if subscription is None:
        raise InvalidInput({"subscription": [_("No such webhook.")]}, INVALID)
    before = _audit_snapshot(subscription)
    if url != subscription.url:
        check_url(url)
    _check_secret(secret)
    subscription.url = url
    subscription.events = _check_events(events)
    subscription.active = active
    changed_secret = bool(secret) and secret != subscription.secret
    if secret:
        subscription.secret = secret
    _full_clean(subscription)
    subscription.save()
    if not active:
        _fail_pending(subscription.pk)
    record_change(
        actor=actor,
        area=AREA,
        obj=subscription,
        action="updated",
        before=before,
        after=_audit_snapshot(
            subscription, secret=SECRET_CHANGED if changed_secret else SECRET_KEPT
        ),
    )
    forget_subscriptions()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription_id: int, actor: AbstractBaseUser) -> None:
    """Deactivates (keeps the delivery log); pending deliveries of it are not sent."""
    _check_actor(actor)
    subscription = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id)
    subscription = subscription.first()
    if subscription is None or not subscription.active:
        return
    before = _audit_snapshot(subscription)
    subscription.active = False
    subscription.save(update_fields=["active"])
    forget_subscriptions()
    _fail_pending(subscription_id)
    record_change(
        actor=actor,
        area=AREA,
        obj=subscription,
        action="updated",
        before=before,
        after=_audit_snapshot(subscription),
    )


@transaction.atomic
def subscription_remove(*, subscription_id: int, actor: AbstractBaseUser) -> None:
    """Delete the subscription with its delivery log (the pages' "Delete"); a delivery
    queued for it is skipped by the worker (its row is gone)."""
    _check_actor(actor)
    subscription = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id)
    subscription = subscription.first()
    if subscription is None:
        raise InvalidInput({"subscription": [_("No such webhook.")]}, INVALID)
    before = _audit_snapshot(subscription)
    record_change(actor=actor, area=AREA, obj=subscription, action="deleted", before=before)
    subscription.delete()
    forget_subscriptions()


def _fail_pending(subscription_id: int) -> None:
    WebhookDelivery.objects.filter(
        subscription_id=subscription_id, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.FAILED)


def forget_subscriptions() -> None:
    """Drop the per-transaction memo of active subscriptions (see outbox)."""
    transaction.get_connection()._webhook_subscriptions = None
