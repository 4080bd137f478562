"""Touches (attribution.md): record them and read a lead's journey.

Capture, import and web-form code call `record_touches` inside their own transaction; the
touches API calls `touch_create`. A touch without a campaign is not recorded. Each write
sends `touches_recorded` so attribution can refresh the won opportunities they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leads.models import Touch, TouchKind
from leads.signals import touches_recorded


@dataclass(frozen=True)
class NewTouch:
    lead_id: int
    campaign_id: int | None
    at: dt.datetime
    kind: str = TouchKind.CAPTURE


def record_touches(
    touches: Iterable[NewTouch], *, actor: AbstractBaseUser | None = None
) -> list[Touch]:
    """Insert the touches that have a campaign in one statement; send one signal."""
    now = timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    rows = [
        Touch(
            lead_id=t.lead_id,
            campaign_id=t.campaign_id,
            at=t.at,
            kind=t.kind,
            created_by=user,
            created_at=now,
        )
        for t in touches
        if t.campaign_id is not None
    ]
    if not rows:
        return []
    with transaction.atomic():
        created = Touch.objects.bulk_create(rows)
        touches_recorded.send(
            sender=Touch,
            lead_ids=sorted({t.lead_id for t in created}),
            campaign_ids=sorted({t.campaign_id for t in created}),
        )
    return created


def lead_touches(lead_id: int) -> QuerySet[Touch]:
    """A lead's touches, oldest first, with their campaign."""
    return Touch.objects.filter(lead_id=lead_id).select_related("campaign").order_by("at", "id")
