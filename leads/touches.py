"""Touches (attribution.md): record them and read a lead's journey.

Capture, import and web-form code call `record_touches` inside their own transaction; the
touches API and the lead page call `touch_create`; an edit of a lead's source campaign or
creation time calls `creation_touch_follow`; `manage.py backfill_touches` calls
`capture_touches_backfill`. A touch without a campaign is not recorded. Each write sends
`touches_recorded` so attribution can refresh the won opportunities they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from leads import bounds
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Campaign, Lead, Touch, TouchKind
from leads.roles import MANAGER, MARKETING, can_backfill, has_role
from leads.signals import touches_recorded

# The kinds a lead's creation touch has: its capture by the API or a page, a web form, an import.
CREATION_KINDS = (TouchKind.CAPTURE, TouchKind.FORM, TouchKind.IMPORT)


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


def _touch_time(actor: AbstractBaseUser, at: Any) -> dt.datetime:
    """Now, or a backfilled `at` (the same check and bounds as a move's backfilled time)."""
    if at is None:
        return timezone.now()
    if not can_backfill(actor):
        raise ActionNotAllowed(
            _("Passing `%(field)s` needs the backfill permission.") % {"field": "at"}
        )
    if not isinstance(at, dt.datetime):
        raise InvalidInput({"at": [_("Give a date and time.")]})
    if timezone.is_naive(at):
        raise InvalidInput({"at": [_("Give a time zone with the time.")]})
    errors = bounds.time_errors(at, "at")
    if errors:
        raise InvalidInput(errors)
    return at


def check_touch_writer(actor: AbstractBaseUser) -> None:
    """Marketing and managers record touches; anyone else: ActionNotAllowed."""
    if not has_role(actor, MARKETING, MANAGER):
        raise ActionNotAllowed(_("Only marketing and managers record touches."))


def touch_create(
    *,
    actor: AbstractBaseUser,
    lead_id: int,
    campaign_id: int | None,
    at: dt.datetime | None = None,
    kind: str = TouchKind.API,
) -> Touch:
    """Record one touch of a lead by a campaign (marketing and managers). `at` needs the
    backfill permission, and no touch may come before the lead's capture: its first touch is
    its capture (attribution.md). The lead row is locked so an edit of its creation time
    cannot cross this check."""
    check_touch_writer(actor)
    errors: dict[str, list[str]] = {}
    if kind not in TouchKind.values:
        errors["kind"] = [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(TouchKind.values)}]
    if campaign_id is None:
        errors["campaign"] = [_("This field is required.")]
    elif not Campaign.objects.filter(pk=campaign_id).exists():
        errors["campaign"] = [_("Unknown campaign.")]
    when = _touch_time(actor, at)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().only("pk", "created_at").get(pk=lead_id)
        if when < lead.created_at:
            raise InvalidInput(
                {"at": [_("A touch may not be before the lead's capture (its first touch).")]}
            )
        [touch] = record_touches([NewTouch(lead.pk, campaign_id, when, kind)], actor=actor)
    return touch


def creation_touch_follow(
    *,
    lead: Lead,
    previous_campaign_id: int | None,
    previous_created_at: dt.datetime,
    actor: AbstractBaseUser | None = None,
) -> None:
    """After an edit of a lead's source campaign or creation time, its creation touch (the
    earliest capture, form or import touch at its creation time) follows: a new campaign
    moves it (or creates it), a cleared campaign deletes it, a backfilled creation time moves
    its `at`. Moving the creation time after another touch is refused (the first touch is the
    capture).
    Call inside the edit's transaction; sends `touches_recorded` when a touch changed."""
    if lead.campaign_id == previous_campaign_id and lead.created_at == previous_created_at:
        return
    touch = (
        Touch.objects.select_for_update()
        .filter(lead_id=lead.pk, kind__in=CREATION_KINDS, at=previous_created_at)
        .order_by("id")
        .first()
    )
    if lead.campaign_id is not None and lead.created_at != previous_created_at:
        earlier = Touch.objects.filter(lead_id=lead.pk, at__lt=lead.created_at)
        if touch is not None:
            earlier = earlier.exclude(pk=touch.pk)
        if earlier.exists():
            raise InvalidInput(
                {"created_at": [_("The creation time may not be after the lead's other touches.")]}
            )
    if lead.campaign_id is None:
        if touch is None:
            return
        touch.delete()
    elif touch is None:
        user = actor if actor is not None and actor.is_authenticated else None
        Touch.objects.create(
            lead_id=lead.pk,
            campaign_id=lead.campaign_id,
            at=lead.created_at,
            kind=TouchKind.CAPTURE,
            created_by=user,
        )
    elif (touch.campaign_id, touch.at) != (lead.campaign_id, lead.created_at):
        touch.campaign_id, touch.at = lead.campaign_id, lead.created_at
        touch.save(update_fields=["campaign", "at"])
    else:
        return
    touches_recorded.send(
        sender=Touch,
        lead_ids=[lead.pk],
        campaign_ids=sorted({c for c in (previous_campaign_id, lead.campaign_id) if c}),
    )


def capture_touches_backfill(*, batch_size: int = 1000) -> int:
    """Give every lead with a source campaign its creation touch (that campaign, at its
    creation time) where it is missing: for databases restored from before touches existed.
    A creation-kind touch at the creation time with another campaign is corrected. Idempotent;
    one signal per batch. Answers how many leads were fixed."""
    matching = Touch.objects.filter(
        lead_id=OuterRef("pk"),
        campaign_id=OuterRef("campaign_id"),
        at=OuterRef("created_at"),
        kind__in=CREATION_KINDS,
    )
    fixed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                Lead.objects.filter(campaign__isnull=False, pk__gt=last_pk)
                .filter(~Exists(matching))
                .order_by("pk")
                .values_list("pk", "campaign_id", "created_at")[:batch_size]
            )
            if not rows:
                return fixed
            last_pk = rows[-1][0]
            wrong = {
                (t.lead_id, t.at): t
                for t in Touch.objects.select_for_update()
                .filter(lead_id__in=[pk for pk, _c, _a in rows], kind__in=CREATION_KINDS)
                .order_by("-id")
            }
            to_update, to_create = [], []
            campaigns = {c for _p, c, _a in rows}
            for pk, campaign_id, created_at in rows:
                touch = wrong.get((pk, created_at))
                if touch is not None:
                    campaigns.add(touch.campaign_id)
                    touch.campaign_id = campaign_id
                    to_update.append(touch)
                else:
                    to_create.append(
                        Touch(
                            lead_id=pk,
                            campaign_id=campaign_id,
                            at=created_at,
                            kind=TouchKind.CAPTURE,
                        )
                    )
            Touch.objects.bulk_update(to_update, ["campaign"])
            Touch.objects.bulk_create(to_create)
            touches_recorded.send(
                sender=Touch,
                lead_ids=[pk for pk, _c, _a in rows],
                campaign_ids=sorted(campaigns),
            )
            fixed += len(rows)
