"""In-app notices written with a move, and their emails queued after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from handoff.models import Handoff, Notification, NotificationKind, RejectionReason
from handoff.services.core import time_now
from leads.models import Lead


def notify(
    recipients: Iterable[AbstractBaseUser | None],
    *,
    kind: str,
    message: str,
    lead: Lead | None = None,
    handoff: Handoff | None = None,
    at: dt.datetime | None = None,
) -> list[Notification]:
    """In-app notices written with the move; their emails are queued after commit."""
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
                message=message[:500],
                lead=lead,
                handoff=handoff,
                created_at=at or time_now(),
            )
        )
    if not notes:
        return []
    created = Notification.objects.bulk_create(notes)
    ids = [n.pk for n in created if n.pk is not None]

    def queue() -> None:
        from handoff.tasks import send_notification_emails

        send_notification_emails.delay(ids)

    if ids:
        transaction.on_commit(queue)
    return created


def notification_mark_read(*, notification_id: int, user: AbstractBaseUser) -> Notification:
    """Mark one of the user's own notices read (Notification.DoesNotExist for others')."""
    notification = Notification.objects.get(pk=notification_id, recipient_id=user.pk)
    if notification.read_at is None:
        notification.read_at = time_now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=time_now()
    )


def notify_assigned(handoff: Handoff, lead: Lead, *, backfilled: bool) -> None:
    if backfilled:
        return
    notify(
        [handoff.assignee],
        kind=NotificationKind.LEAD_ASSIGNED,
        message=f"New lead assigned: {lead.label}. Respond by "
        f"{timezone.localtime(handoff.sla_due_at):%Y-%m-%d %H:%M}.",
        lead=lead,
        handoff=handoff,
    )


def notify_rejected(handoff: Handoff, lead: Lead, *, actor: AbstractBaseUser, reason: str) -> None:
    """Tell whoever handed the lead off, and the campaign's owner, that sales said no."""
    recipients = [handoff.handed_off_by]
    if lead.campaign_id:
        recipients.append(lead.campaign.owner)
    notify(
        [u for u in recipients if u is not None and u.pk != actor.pk],
        kind=NotificationKind.LEAD_REJECTED,
        message=f"Lead rejected ({RejectionReason(reason).label}): {lead.label}.",
        lead=lead,
        handoff=handoff,
    )
