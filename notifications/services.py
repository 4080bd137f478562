"""Writes of notices: create them for a set of users (their emails queued on commit), and
mark them read. Callers say what happened with a code of `notifications.texts` and its
parameters; this app never knows what a handoff is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone

from leads import queueing
from leads.errors import InvalidInput
from leads.models import Lead
from notifications import texts
from notifications.models import Notification
from notifications.tasks import send_notification_emails


def notify(
    recipients: Iterable[AbstractBaseUser | None],
    *,
    kind: str,
    code: str,
    params: dict[str, Any],
    lead: Lead | None = None,
    handoff: models.Model | None = None,
    at: dt.datetime | None = None,
) -> list[Notification]:
    """Write one notice per distinct active recipient (None and inactive users are left
    out), each with its email pending; the emails are queued once the surrounding
    transaction commits, and the beat sweep sends any that a lost message left pending."""
    if code not in texts.TEXTS:
        raise InvalidInput({"code": [f"Unknown notification code {code!r}."]})
    message = texts.render_english(code, params)[:500]
    seen: set[int] = set()
    notes = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notes.append(
            Notification(
                recipient=user,
                kind=kind,
                code=code,
                params=params,
                message=message,
                lead=lead,
                handoff=handoff,
                created_at=at or timezone.now(),
            )
        )
    if not notes:
        return []
    created = Notification.objects.bulk_create(notes)
    ids = [n.pk for n in created if n.pk is not None]
    if ids:
        queueing.enqueue_on_commit(send_notification_emails, ids)
    return created


def notification_mark_read(*, notification_id: int, user: AbstractBaseUser) -> Notification:
    """Mark one of the user's own notices read (Notification.DoesNotExist for others')."""
    notification = Notification.objects.get(pk=notification_id, recipient_id=user.pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
