"""Capture and edit leads: one lead, a batch of up to 1,000, or an edit of a lead's values.

A capture writes the lead, its "created" event and its first touch, and sends `lead_moved`
(once per lead in a batch, so listeners see bulk-created leads like single ones). Duplicates
raise `DuplicateLead` (single) or are reported per row (batch), never silently merged; a
duplicate with a campaign still records a touch on the existing lead (attribution.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from handoff.models import LeadEvent
from handoff.services.core import (
    check_backfill,
    jsonable,
    lock_lead,
    record,
    time_now,
    validate_score,
)
from handoff.signals import lead_moved
from handoff.transitions import Action
from leads.errors import ActionNotAllowed, DuplicateLead, InvalidInput
from leads.models import Campaign, Lead, LeadStatus, TouchKind
from leads.roles import MANAGER, MARKETING, SALES, has_role
from leads.touches import NewTouch, record_touches

CONTACT_FIELDS = ("email", "first_name", "last_name", "company", "job_title", "phone", "country")
UPDATE_FIELDS = frozenset({*CONTACT_FIELDS, "campaign_id", "score", "external_id", "created_at"})
BULK_MAX_ROWS = 1000


@dataclass
class CaptureResult:
    index: int
    status: str  # "created" | "duplicate" | "invalid"
    lead_id: int | None = None
    existing_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


CAPTURE_FIELDS = frozenset({*CONTACT_FIELDS, "campaign_id", "external_id", "score", "created_at"})


def _capture_roles(actor: AbstractBaseUser) -> None:
    if not has_role(actor, MARKETING, MANAGER):
        raise ActionNotAllowed(_("Only marketing and managers capture leads."))


def _build_lead(actor: AbstractBaseUser, row: dict[str, Any], now: dt.datetime) -> Lead:
    """A validated, unsaved Lead (campaign existence is the caller's to check)."""
    unknown = set(row) - CAPTURE_FIELDS
    if unknown:
        raise InvalidInput({name: [_("Unknown field.")] for name in sorted(unknown)})
    data = dict(row)
    data["email"] = str(data.get("email") or "").strip().lower()
    external_id = data.get("external_id")
    data["external_id"] = str(external_id).strip() or None if external_id is not None else None
    for name in ("first_name", "last_name", "company", "job_title", "phone", "country"):
        data[name] = str(data.get(name) or "").strip()
    data["country"] = data["country"].upper()
    data["score"] = validate_score(data.get("score") or 0)
    created_at = data.pop("created_at", None)
    if created_at is not None:
        created_at = check_backfill(actor=actor, at=created_at, field="created_at")
    lead = Lead(**data, created_at=created_at or now, status=LeadStatus.NEW)
    try:
        lead.full_clean(
            exclude=["campaign", "owner", "external_id"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict) from None
    if lead.external_id and len(lead.external_id) > 128:
        raise InvalidInput({"external_id": [_("At most 128 characters.")]})
    return lead


def _check_campaign(campaign_id: Any) -> None:
    if campaign_id is not None and not Campaign.objects.filter(pk=campaign_id).exists():
        raise InvalidInput({"campaign": [_("Unknown campaign.")]})


def _duplicate(existing_id: int) -> DuplicateLead:
    return DuplicateLead(
        _("A lead with this email or external id exists."), existing_id=existing_id
    )


def _existing_duplicate(email: str, external_id: str | None, exclude_id: int | None = None) -> int:
    q = Q(email=email) & ~Q(status=LeadStatus.DISQUALIFIED)
    if external_id:
        q |= Q(external_id=external_id)
    qs = Lead.objects.filter(q)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.values_list("pk", flat=True).first() or 0


def lead_capture(
    *,
    actor: AbstractBaseUser,
    email: str,
    first_name: str = "",
    last_name: str = "",
    company: str = "",
    job_title: str = "",
    phone: str = "",
    country: str = "",
    campaign_id: int | None = None,
    external_id: str | None = None,
    score: int = 0,
    created_at: dt.datetime | None = None,
    touch_kind: str = TouchKind.CAPTURE,
) -> Lead:
    """Capture one lead (status `new`); a live lead with the email or the external id exists:
    DuplicateLead, after a touch of this capture's campaign is recorded on that lead. A race
    with a concurrent capture ends in the same error (unique index)."""
    _capture_roles(actor)
    row = {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "job_title": job_title,
        "phone": phone,
        "country": country,
        "campaign_id": campaign_id,
        "external_id": external_id,
        "score": score,
        "created_at": created_at,
    }
    lead = _build_lead(actor, row, time_now())
    _check_campaign(campaign_id)
    existing = 0
    try:
        with transaction.atomic():
            existing = _existing_duplicate(lead.email, lead.external_id)
            if not existing:
                lead.save()
                record(
                    lead=lead,
                    actor=actor,
                    action=Action.CREATED,
                    from_status="",
                    to_status=LeadStatus.NEW,
                    at=lead.created_at,
                    data={"source": "capture"},
                    previous_owner_id=None,
                    previous_campaign_id=None,
                )
                record_touches(
                    [NewTouch(lead.pk, lead.campaign_id, lead.created_at, touch_kind)],
                    actor=actor,
                )
    except IntegrityError:
        existing = _existing_duplicate(lead.email, lead.external_id)
        if not existing:
            raise
    if existing:
        record_touches(
            [NewTouch(existing, lead.campaign_id, lead.created_at, touch_kind)], actor=actor
        )
        raise _duplicate(existing)
    return lead


def lead_capture_bulk(
    *,
    actor: AbstractBaseUser,
    rows: list[dict[str, Any]],
    import_id: int | None = None,
    touch_kind: str | None = None,
) -> list[CaptureResult]:
    """Capture up to 1,000 leads in one transaction with a constant number of queries.

    Duplicates (against the database and earlier rows of the batch) and invalid rows are
    reported and skipped; valid rows are created with their "created" events (which record
    `import_id` when a CSV import captured them: the lead list filters on it). Every created
    or duplicate row with a campaign records a touch (kind `import` for an import, else
    `capture`, unless `touch_kind` says otherwise).
    """
    kind = touch_kind or (TouchKind.IMPORT if import_id else TouchKind.CAPTURE)
    _capture_roles(actor)
    if len(rows) > BULK_MAX_ROWS:
        raise InvalidInput(
            {"rows": [_("At most %(count)s rows per call.") % {"count": BULK_MAX_ROWS}]}
        )
    now = time_now()
    results: list[CaptureResult] = []
    built: list[tuple[int, Lead]] = []
    for index, row in enumerate(rows):
        try:
            built.append((index, _build_lead(actor, row, now)))
            results.append(CaptureResult(index=index, status="created"))
        except InvalidInput as exc:
            results.append(CaptureResult(index=index, status="invalid", errors=exc.errors))
        except ActionNotAllowed as exc:
            results.append(
                CaptureResult(index=index, status="invalid", errors={"created_at": [exc.message]})
            )
    campaign_ids = {lead.campaign_id for _, lead in built if lead.campaign_id is not None}
    known_campaigns = (
        set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True))
        if campaign_ids
        else set()
    )
    emails = {lead.email for _, lead in built}
    external_ids = {lead.external_id for _, lead in built if lead.external_id}
    with transaction.atomic():
        by_email: dict[str, int] = {}
        by_external: dict[str, int] = {}
        if built:
            q = Q(email__in=emails) & ~Q(status=LeadStatus.DISQUALIFIED)
            if external_ids:
                q |= Q(external_id__in=external_ids)
            for pk, email, ext, status in Lead.objects.filter(q).values_list(
                "pk", "email", "external_id", "status"
            ):
                if status != LeadStatus.DISQUALIFIED:
                    by_email.setdefault(email, pk)
                if ext:
                    by_external.setdefault(ext, pk)
        to_create: list[tuple[int, Lead]] = []
        repeat_touches: list[tuple[int | str, Lead]] = []  # (existing pk or "row:N", row)
        batch_email: dict[str, int] = {}
        batch_external: dict[str, int] = {}
        for index, lead in built:
            result = results[index]
            if lead.campaign_id is not None and lead.campaign_id not in known_campaigns:
                result.status, result.errors = "invalid", {"campaign": [_("Unknown campaign.")]}
                continue
            existing = by_email.get(lead.email) or (
                by_external.get(lead.external_id) if lead.external_id else None
            )
            if existing:
                result.status, result.existing_id = "duplicate", existing
                repeat_touches.append((existing, lead))
                continue
            earlier = batch_email.get(lead.email)
            if earlier is None and lead.external_id:
                earlier = batch_external.get(lead.external_id)
            if earlier is not None:
                repeat_touches.append((f"row:{earlier}", lead))
                result.status = "duplicate"
                result.errors = {
                    "email": [_("Same lead as row %(row)s of this batch.") % {"row": earlier}]
                }
                continue
            batch_email[lead.email] = index
            if lead.external_id:
                batch_external[lead.external_id] = index
            to_create.append((index, lead))
        created = Lead.objects.bulk_create([lead for _, lead in to_create])
        events = LeadEvent.objects.bulk_create(
            [
                LeadEvent(
                    lead=lead,
                    actor=actor,
                    action=Action.CREATED,
                    from_status="",
                    to_status=LeadStatus.NEW,
                    at=lead.created_at,
                    data={"source": "bulk", **({"import_id": import_id} if import_id else {})},
                )
                for lead in created
            ]
        )
        for (index, _row), lead in zip(to_create, created, strict=True):
            results[index].lead_id = lead.pk
        row_pk = {
            f"row:{index}": lead.pk for (index, _row), lead in zip(to_create, created, strict=True)
        }
        record_touches(
            [NewTouch(lead.pk, lead.campaign_id, lead.created_at, kind) for lead in created]
            + [
                NewTouch(row_pk.get(key, key), row.campaign_id, row.created_at, kind)
                for key, row in repeat_touches
            ],
            actor=actor,
        )
        for event in events:
            lead_moved.send(
                sender=LeadEvent, event=event, previous_owner_id=None, previous_campaign_id=None
            )
    return results


@transaction.atomic
def lead_update(*, lead_id: int, actor: AbstractBaseUser, **fields: Any) -> Lead:
    """Edit contact fields, campaign, score or external id (one "updated" event with the
    changes; no event when nothing changed). Reps edit only contact fields of their leads."""
    unknown = set(fields) - UPDATE_FIELDS
    if unknown:
        raise InvalidInput(
            {name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    lead = lock_lead(lead_id)
    if has_role(actor, MARKETING, MANAGER):
        pass
    elif has_role(actor, SALES) and lead.owner_id == actor.pk:
        not_contact = set(fields) - set(CONTACT_FIELDS)
        if not_contact:
            raise ActionNotAllowed(_("Reps may change only the contact details of their leads."))
    else:
        raise ActionNotAllowed(_("You may not change this lead."))
    previous_campaign_id = lead.campaign_id
    data = lead.editable_values()
    new_created_at = fields.pop("created_at", None)
    data.update(fields)
    candidate = _build_lead(actor, data, lead.created_at)
    if "campaign_id" in fields:
        _check_campaign(fields["campaign_id"])
    changed: dict[str, list[Any]] = {}
    for name in ("email", *CONTACT_FIELDS[1:], "campaign_id", "external_id", "score"):
        old, new = getattr(lead, name), getattr(candidate, name)
        old = str(old) if name == "country" else old
        new = str(new) if name == "country" else new
        if old != new:
            changed[name] = [old, new]
            setattr(lead, name, getattr(candidate, name))
    if new_created_at is not None:
        when = check_backfill(actor=actor, at=new_created_at, field="created_at")
        first_move = (
            LeadEvent.objects.filter(lead_id=lead.pk)
            .exclude(action__in=[Action.CREATED, Action.UPDATED])
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if first_move is not None and when > first_move:
            raise InvalidInput(
                {"created_at": [_("The creation time may not be after the lead's first move.")]}
            )
        if when != lead.created_at:
            changed["created_at"] = [lead.created_at.isoformat(), when.isoformat()]
            lead.created_at = when
    if not changed:
        return lead
    if "email" in changed or "external_id" in changed:
        existing = _existing_duplicate(lead.email, lead.external_id, exclude_id=lead.pk)
        if existing and lead.status != LeadStatus.DISQUALIFIED:
            raise _duplicate(existing)
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        existing = _existing_duplicate(lead.email, lead.external_id, exclude_id=lead.pk)
        raise _duplicate(existing) from None
    record(
        lead=lead,
        actor=actor,
        action=Action.UPDATED,
        from_status=lead.status,
        to_status=lead.status,
        at=time_now(),
        data={"changed": jsonable(changed)},
        previous_owner_id=lead.owner_id,
        previous_campaign_id=previous_campaign_id,
    )
    return lead
