"""Sending the weekly digest: at most one per user per week, even when the task runs twice.

Each user's delivery row (unique on user and week) is claimed and committed in its own
transaction before the email goes out; a second run finds the row and sends nothing. A send
that raised is marked `failed` and is the only kind a later run of the same week tries
again (a row left `sending` by a crash is never resent: at most once).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from alignment import digest
from alignment.models import DigestDelivery, DigestPreference
from leads.roles import ROLES

logger = logging.getLogger(__name__)


@dataclass
class DigestRun:
    week_start: dt.date
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start.isoformat(),
            "sent": len(self.sent),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
        }


def digest_recipients() -> QuerySet[Any]:
    """Active users with an email address who hold a role (superusers hold every role) and
    have not opted out, by id."""
    User = get_user_model()
    opted_out = DigestPreference.objects.filter(user_id=OuterRef("pk"), subscribed=False)
    in_role = User.groups.through.objects.filter(group__name__in=ROLES).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(pk__in=in_role))
        .exclude(Exists(opted_out))
        .order_by("pk")
    )


def _claim(user_id: int, week_start: dt.date) -> bool:
    """Write (and commit) the user's delivery row for the week; False when it was already
    there and is not a failed send to try again."""
    try:
        with transaction.atomic():
            DigestDelivery.objects.create(user_id=user_id, week_start=week_start)
        return True
    except IntegrityError:
        with transaction.atomic():
            retried = DigestDelivery.objects.filter(
                user_id=user_id, week_start=week_start, status=DigestDelivery.Status.FAILED
            ).update(status=DigestDelivery.Status.SENDING, error="")
        return retried == 1


def _mark(user_id: int, week_start: dt.date, *, error: str = "") -> None:
    row = DigestDelivery.objects.filter(user_id=user_id, week_start=week_start)
    if error:
        row.update(status=DigestDelivery.Status.FAILED, error=error[:500])
    else:
        row.update(status=DigestDelivery.Status.SENT, sent_at=timezone.now())


def send_weekly_digest(
    *, today: dt.date | None = None, now: dt.datetime | None = None
) -> DigestRun:
    """Email this week's digest (about last week) to every recipient not yet sent it."""
    today = today or timezone.localdate()
    week_start = digest.week_start_of(today)
    run = DigestRun(week_start=week_start)
    recipients = list(digest_recipients())
    if not recipients:
        return run
    content = digest.digest_content(week_start=week_start, now=now)
    for user in recipients:
        if not _claim(user.pk, week_start):
            run.skipped.append(user.pk)
            continue
        try:
            digest.digest_message(content, user).send(fail_silently=False)
        except Exception as exc:  # an SMTP or rendering failure must not stop the others
            logger.warning("weekly digest to user %s failed: %r", user.pk, exc)
            _mark(user.pk, week_start, error=repr(exc))
            run.failed.append(user.pk)
        else:
            _mark(user.pk, week_start)
            run.sent.append(user.pk)
    return run
