"""Every write of the lead lifecycle: capture, edits, moves, opportunity moves, SLA sweep.

Each move runs in one transaction: lock the lead row (`select_for_update`), check the
actor and the transition table, validate the input, write the new state, the handoff
record and exactly ONE `LeadEvent`, send `handoff.signals.lead_moved` inside the
transaction, and queue side effects (notification emails) with `transaction.on_commit`.
A refused move raises a `handoff.errors.DomainError` and writes nothing.

Bulk capture sends `lead_moved` once per created lead (no separate bulk signal), so
listeners see bulk-created leads exactly like single ones.

Notifications: in-app notices are rows written with the move; their emails go out after
commit. Moves with a backfilled `at` (history loaded from another system) notify nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff import assignment, sla
from handoff.models import (
    BusinessHours,
    Handoff,
    HandoffOutcome,
    LeadEvent,
    Notification,
    NotificationKind,
    RejectionReason,
    SLAPolicy,
)
from handoff.signals import lead_moved
from handoff.transitions import TRANSITIONS, Action, actor_may
from leads.errors import (
    ActionNotAllowed,
    DomainError,
    DuplicateLead,
    InvalidInput,
    InvalidTransition,
)
from leads.models import Campaign, Lead, LeadStatus, Opportunity, OpportunityStage
from leads.roles import MANAGER, MARKETING, SALES, can_backfill, has_role

User = get_user_model()

CONTACT_FIELDS = ("email", "first_name", "last_name", "company", "job_title", "phone", "country")
UPDATE_FIELDS = frozenset({*CONTACT_FIELDS, "campaign_id", "score", "external_id", "created_at"})
BULK_MAX_ROWS = 1000


# --------------------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    return timezone.now()


def _check_backfill(
    *, actor: AbstractBaseUser, at: dt.datetime | None, field: str = "at"
) -> dt.datetime:
    """The time of the move: now, or a backfilled `at` (permission and future checked)."""
    if at is None:
        return _now()
    if not can_backfill(actor):
        raise ActionNotAllowed(
            _("Passing `%(field)s` needs the backfill permission.") % {"field": field}
        )
    if timezone.is_naive(at):
        raise InvalidInput({field: [_("Give a time zone with the time.")]})
    if at > _now():
        raise InvalidInput({field: [_("A backfilled time may not be in the future.")]})
    return at


def _check_after_previous(lead: Lead, at: dt.datetime, field: str = "at") -> None:
    previous = LeadEvent.objects.filter(lead_id=lead.pk).aggregate(m=Max("at"))["m"]
    previous = max(previous, lead.created_at) if previous else lead.created_at
    if at < previous:
        raise InvalidInput(
            {
                field: [
                    _(
                        "A backfilled time may not be before the lead's previous move "
                        "(%(previous)s)."
                    )
                    % {"previous": previous}
                ]
            }
        )


def _lock_lead(lead_id: int) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead_id)


def _guard(action: str, *, lead: Lead, actor: AbstractBaseUser) -> str:
    """Check the actor, then the source state; returns the target status."""
    t = TRANSITIONS[action]
    if not actor_may(t.who, actor, lead):
        if has_role(actor, SALES) and "owner" in t.who:
            raise ActionNotAllowed(
                _("Only the assigned rep or a manager may %(action)s this lead.")
                % {"action": action}
            )
        raise ActionNotAllowed(_("Your role may not %(action)s a lead.") % {"action": action})
    if lead.status not in t.sources:
        raise InvalidTransition(
            _("Cannot %(action)s a lead that is %(status)s (status `%(code)s`).")
            % {
                "action": action,
                "status": lead.get_status_display().lower(),
                "code": lead.status,
            },
            status=lead.status,
        )
    return t.target


def _begin_move(
    action: str, *, lead_id: int, actor: AbstractBaseUser, at: dt.datetime | None
) -> tuple[Lead, str, dt.datetime]:
    lead = _lock_lead(lead_id)
    target = _guard(action, lead=lead, actor=actor)
    when = _check_backfill(actor=actor, at=at)
    if at is not None:
        _check_after_previous(lead, when)
    return lead, target, when


def _record(
    *,
    lead: Lead,
    actor: AbstractBaseUser | None,
    action: str,
    from_status: str,
    to_status: str,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
    handoff: Handoff | None = None,
    opportunity: Opportunity | None = None,
    previous_owner_id: int | None,
    previous_campaign_id: int | None,
) -> LeadEvent:
    event = LeadEvent.objects.create(
        lead=lead,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        at=at,
        data=data or {},
        handoff=handoff,
        opportunity=opportunity,
    )
    lead_moved.send(
        sender=LeadEvent,
        event=event,
        previous_owner_id=previous_owner_id,
        previous_campaign_id=previous_campaign_id,
    )
    return event


def _notify(
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
                created_at=at or _now(),
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


def _managers() -> list[AbstractBaseUser]:
    return list(User.objects.filter(groups__name=MANAGER, is_active=True).distinct())


def _lead_label(lead: Lead) -> str:
    name = f"{lead.first_name} {lead.last_name}".strip()
    label = name or lead.email
    return f"{label} ({lead.company})" if lead.company else label


def _sales_rep(user_id: Any, *, field: str = "assignee") -> AbstractBaseUser:
    try:
        user = User.objects.get(pk=int(user_id), is_active=True, groups__name=SALES)
    except (User.DoesNotExist, TypeError, ValueError):
        raise InvalidInput({field: [_("Choose an active sales rep.")]}) from None
    return user


def _validate_rating(rating: Any) -> int | None:
    if rating is None or rating == "":
        return None
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise InvalidInput({"rating": [_("The rating is a whole number from 1 to 5.")]}) from None
    if (isinstance(rating, float) and value != rating) or not 1 <= value <= 5:
        raise InvalidInput({"rating": [_("The rating is a whole number from 1 to 5.")]})
    return value


def _validate_score(score: Any) -> int:
    try:
        value = int(score)
    except (TypeError, ValueError):
        raise InvalidInput({"score": [_("The score is a whole number from 0 to 100.")]}) from None
    if not 0 <= value <= 100:
        raise InvalidInput({"score": [_("The score is a whole number from 0 to 100.")]})
    return value


def _validate_amount(amount: Any, field: str = "amount") -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput({field: [_("Give an amount of money.")]}) from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput({field: [_("Give a non-negative amount with at most two decimals.")]})
    if abs(value) >= Decimal("1e12"):
        raise InvalidInput({field: [_("The amount is too large.")]})
    return value.quantize(Decimal("0.01"))


def _pending_handoff(lead: Lead) -> Handoff:
    return Handoff.objects.select_for_update().get(lead=lead, outcome=HandoffOutcome.PENDING)


# --------------------------------------------------------------------------- SLA policy


@dataclass(frozen=True)
class SLAPlan:
    policy: SLAPolicy | None
    sla_due_at: dt.datetime
    sla_remind_at: dt.datetime


def policy_for(score: int) -> SLAPolicy | None:
    return (
        SLAPolicy.objects.filter(active=True, min_score__lte=score, max_score__gte=score)
        .order_by("-min_score", "id")
        .first()
    )


def sla_plan(*, score: int, handed_off_at: dt.datetime) -> SLAPlan:
    policy = policy_for(score)
    hours = policy.response_hours if policy else settings.SLA_DEFAULT_RESPONSE_HOURS
    calendar = None
    if policy and policy.business_hours:
        calendar = sla.calendar_from_rows(
            BusinessHours.objects.values_list("weekday", "opens", "closes")
        )
    due = sla.due_at(handed_off_at, hours, calendar)
    percent = policy.remind_at_percent if policy else 75
    return SLAPlan(policy, due, sla.remind_at(handed_off_at, due, percent))


# --------------------------------------------------------------------------- capture


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
    data["score"] = _validate_score(data.get("score") or 0)
    created_at = data.pop("created_at", None)
    if created_at is not None:
        created_at = _check_backfill(actor=actor, at=created_at, field="created_at")
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
) -> Lead:
    """Capture one lead (status `new`); a live lead with the email or the external id exists:
    DuplicateLead. A race with a concurrent capture ends in the same error (unique index)."""
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
    lead = _build_lead(actor, row, _now())
    _check_campaign(campaign_id)
    try:
        with transaction.atomic():
            existing = _existing_duplicate(lead.email, lead.external_id)
            if existing:
                raise DuplicateLead(
                    _("A lead with this email or external id exists."), existing_id=existing
                )
            lead.save()
            _record(
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
    except IntegrityError:
        existing = _existing_duplicate(lead.email, lead.external_id)
        if existing:
            raise DuplicateLead(
                _("A lead with this email or external id exists."), existing_id=existing
            ) from None
        raise
    return lead


def lead_capture_bulk(
    *, actor: AbstractBaseUser, rows: list[dict[str, Any]]
) -> list[CaptureResult]:
    """Capture up to 1,000 leads in one transaction with a constant number of queries.

    Duplicates (against the database and earlier rows of the batch) and invalid rows are
    reported and skipped; valid rows are created with their "created" events.
    """
    _capture_roles(actor)
    if len(rows) > BULK_MAX_ROWS:
        raise InvalidInput(
            {"rows": [_("At most %(count)s rows per call.") % {"count": BULK_MAX_ROWS}]}
        )
    now = _now()
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
                continue
            earlier = batch_email.get(lead.email)
            if earlier is None and lead.external_id:
                earlier = batch_external.get(lead.external_id)
            if earlier is not None:
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
                    data={"source": "bulk"},
                )
                for lead in created
            ]
        )
        for (index, _row), lead in zip(to_create, created, strict=True):
            results[index].lead_id = lead.pk
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
    lead = _lock_lead(lead_id)
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
        when = _check_backfill(actor=actor, at=new_created_at, field="created_at")
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
            raise DuplicateLead(
                _("A lead with this email or external id exists."), existing_id=existing
            )
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        existing = _existing_duplicate(lead.email, lead.external_id, exclude_id=lead.pk)
        raise DuplicateLead(
            _("A lead with this email or external id exists."), existing_id=existing
        ) from None
    _record(
        lead=lead,
        actor=actor,
        action=Action.UPDATED,
        from_status=lead.status,
        to_status=lead.status,
        at=_now(),
        data={"changed": _jsonable(changed)},
        previous_owner_id=lead.owner_id,
        previous_campaign_id=previous_campaign_id,
    )
    return lead


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --------------------------------------------------------------------------- lead moves


@transaction.atomic
def lead_qualify(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    score: int | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    lead, target, when = _begin_move(Action.QUALIFY, lead_id=lead_id, actor=actor, at=at)
    data: dict[str, Any] = {}
    if score is not None:
        lead.score = _validate_score(score)
        data["score"] = lead.score
    return _simple_move(lead, Action.QUALIFY, target, actor, when, data, first_mql_at=True)


@transaction.atomic
def lead_nurture(*, lead_id: int, actor: AbstractBaseUser, at: dt.datetime | None = None) -> Lead:
    lead, target, when = _begin_move(Action.NURTURE, lead_id=lead_id, actor=actor, at=at)
    return _simple_move(lead, Action.NURTURE, target, actor, when, {})


@transaction.atomic
def lead_recycle(*, lead_id: int, actor: AbstractBaseUser, at: dt.datetime | None = None) -> Lead:
    """Back to marketing's nurture; the lead leaves the rep (owner cleared)."""
    lead, target, when = _begin_move(Action.RECYCLE, lead_id=lead_id, actor=actor, at=at)
    previous_owner_id = lead.owner_id
    lead.owner = None
    return _simple_move(
        lead, Action.RECYCLE, target, actor, when, {}, previous_owner_id=previous_owner_id
    )


@transaction.atomic
def lead_disqualify(
    *, lead_id: int, actor: AbstractBaseUser, reason: str = "", at: dt.datetime | None = None
) -> Lead:
    lead, target, when = _begin_move(Action.DISQUALIFY, lead_id=lead_id, actor=actor, at=at)
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise InvalidInput({"reason": [_("At most 1,000 characters.")]})
    return _simple_move(lead, Action.DISQUALIFY, target, actor, when, {"reason": reason})


def _simple_move(
    lead: Lead,
    action: str,
    target: str,
    actor: AbstractBaseUser,
    when: dt.datetime,
    data: dict[str, Any],
    *,
    first_mql_at: bool = False,
    previous_owner_id: int | None = None,
) -> Lead:
    from_status = lead.status
    if previous_owner_id is None:
        previous_owner_id = lead.owner_id
    lead.status = target
    if first_mql_at and lead.first_mql_at is None:
        lead.first_mql_at = when
    lead.save()
    _record(
        lead=lead,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=target,
        at=when,
        data=data,
        previous_owner_id=previous_owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    return lead


def _open_handoff(
    lead: Lead,
    *,
    assignee: AbstractBaseUser,
    actor: AbstractBaseUser | None,
    when: dt.datetime,
    info: dict[str, Any],
) -> Handoff:
    plan = sla_plan(score=lead.score, handed_off_at=when)
    return Handoff.objects.create(
        lead=lead,
        assignee=assignee,
        handed_off_by=actor,
        handed_off_at=when,
        sla_due_at=plan.sla_due_at,
        sla_remind_at=plan.sla_remind_at,
        sla_policy=plan.policy,
        assignment=info,
    )


def _notify_assigned(handoff: Handoff, lead: Lead, *, backfilled: bool) -> None:
    if backfilled:
        return
    _notify(
        [handoff.assignee],
        kind=NotificationKind.LEAD_ASSIGNED,
        message=f"New lead assigned: {_lead_label(lead)}. Respond by "
        f"{timezone.localtime(handoff.sla_due_at):%Y-%m-%d %H:%M}.",
        lead=lead,
        handoff=handoff,
    )


@transaction.atomic
def lead_handoff(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    assignee_id: int | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    """Assign an MQL to a rep (given, or by the assignment rule) and start its SLA clock."""
    lead, target, when = _begin_move(Action.HANDOFF, lead_id=lead_id, actor=actor, at=at)
    if assignee_id is not None:
        assignee = _sales_rep(assignee_id)
        info: dict[str, Any] = {"method": "manual", "chosen_by": actor.pk}
    else:
        choice = assignment.choose_assignee(lead=lead)
        if choice.user is None:
            raise InvalidInput(
                {"assignee": [_("No sales rep is available (all away, inactive or at their cap).")]}
            )
        assignee, info = choice.user, choice.info
    previous_owner_id = lead.owner_id
    handoff = _open_handoff(lead, assignee=assignee, actor=actor, when=when, info=info)
    from_status = lead.status
    lead.status = target
    lead.owner = assignee
    if lead.first_handed_off_at is None:
        lead.first_handed_off_at = when
    lead.save()
    _record(
        lead=lead,
        actor=actor,
        action=Action.HANDOFF,
        from_status=from_status,
        to_status=target,
        at=when,
        data={"assignee": assignee.pk, "assignment": info},
        handoff=handoff,
        previous_owner_id=previous_owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    _notify_assigned(handoff, lead, backfilled=at is not None)
    return lead


def _reassign(
    lead: Lead,
    *,
    actor: AbstractBaseUser | None,
    assignee: AbstractBaseUser,
    when: dt.datetime,
    info: dict[str, Any],
    backfilled: bool,
    data: dict[str, Any] | None = None,
) -> Handoff:
    current = _pending_handoff(lead)
    current.outcome = HandoffOutcome.REASSIGNED
    current.closed_at = when
    current.save(update_fields=["outcome", "closed_at"])
    previous_owner_id = lead.owner_id
    handoff = _open_handoff(lead, assignee=assignee, actor=actor, when=when, info=info)
    lead.owner = assignee
    lead.save()
    _record(
        lead=lead,
        actor=actor,
        action=Action.REASSIGN,
        from_status=lead.status,
        to_status=lead.status,
        at=when,
        data={
            "from_assignee": current.assignee_id,
            "assignee": assignee.pk,
            "assignment": info,
            **(data or {}),
        },
        handoff=handoff,
        previous_owner_id=previous_owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    _notify_assigned(handoff, lead, backfilled=backfilled)
    return handoff


@transaction.atomic
def lead_reassign(
    *, lead_id: int, actor: AbstractBaseUser, assignee_id: int, at: dt.datetime | None = None
) -> Lead:
    """A manager moves a pending handoff to another rep: the old record closes `reassigned`."""
    lead, _target, when = _begin_move(Action.REASSIGN, lead_id=lead_id, actor=actor, at=at)
    if assignee_id is None:
        raise InvalidInput({"assignee": [_("Choose the rep to reassign to.")]})
    assignee = _sales_rep(assignee_id)
    if assignee.pk == lead.owner_id:
        raise InvalidInput({"assignee": [_("The lead is already assigned to this rep.")]})
    _reassign(
        lead,
        actor=actor,
        assignee=assignee,
        when=when,
        info={"method": "manual", "chosen_by": actor.pk},
        backfilled=at is not None,
    )
    return lead


@transaction.atomic
def lead_accept(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    rating: int | None = None,
    feedback: str = "",
    at: dt.datetime | None = None,
) -> Lead:
    lead, target, when = _begin_move(Action.ACCEPT, lead_id=lead_id, actor=actor, at=at)
    rating = _validate_rating(rating)
    feedback = (feedback or "").strip()
    handoff = _pending_handoff(lead)
    handoff.outcome = HandoffOutcome.ACCEPTED
    handoff.responded_at = handoff.closed_at = when
    handoff.rating = rating
    handoff.feedback = feedback
    handoff.save(update_fields=["outcome", "responded_at", "closed_at", "rating", "feedback"])
    from_status = lead.status
    lead.status = target
    if lead.first_accepted_at is None:
        lead.first_accepted_at = when
    lead.save()
    _record(
        lead=lead,
        actor=actor,
        action=Action.ACCEPT,
        from_status=from_status,
        to_status=target,
        at=when,
        data={"rating": rating, "feedback": feedback},
        handoff=handoff,
        previous_owner_id=lead.owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    return lead


@transaction.atomic
def lead_reject(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    reason: str,
    rating: int | None = None,
    feedback: str = "",
    at: dt.datetime | None = None,
) -> Lead:
    """Send the lead back to marketing with a reason. From `accepted`, the accepted handoff
    turns `rejected` and keeps its first `responded_at` (the SLA measures the first answer)."""
    lead, target, when = _begin_move(Action.REJECT, lead_id=lead_id, actor=actor, at=at)
    errors: dict[str, list[str]] = {}
    if reason not in RejectionReason.values:
        errors["reason"] = [_("Choose one of the rejection reasons.")]
    feedback = (feedback or "").strip()
    if reason == RejectionReason.OTHER and not feedback:
        errors["feedback"] = [_("Say why when the reason is `other`.")]
    if errors:
        raise InvalidInput(errors)
    rating = _validate_rating(rating)
    if lead.status == LeadStatus.HANDED_OFF:
        handoff = _pending_handoff(lead)
        handoff.responded_at = handoff.closed_at = when
    else:
        handoff = (
            Handoff.objects.select_for_update()
            .filter(lead=lead, outcome=HandoffOutcome.ACCEPTED)
            .order_by("-handed_off_at", "-id")
            .first()
        )
        if handoff is None:  # an accepted lead always has its accepted handoff
            raise InvalidTransition(_("The lead has no accepted handoff."), status=lead.status)
    handoff.outcome = HandoffOutcome.REJECTED
    handoff.reason = reason
    handoff.rating = rating
    handoff.feedback = feedback
    handoff.save(
        update_fields=["outcome", "responded_at", "closed_at", "reason", "rating", "feedback"]
    )
    from_status = lead.status
    lead.status = target
    lead.save()
    _record(
        lead=lead,
        actor=actor,
        action=Action.REJECT,
        from_status=from_status,
        to_status=target,
        at=when,
        data={"reason": reason, "rating": rating, "feedback": feedback},
        handoff=handoff,
        previous_owner_id=lead.owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    if at is None:
        recipients = [handoff.handed_off_by]
        if lead.campaign_id:
            recipients.append(lead.campaign.owner)
        _notify(
            [u for u in recipients if u is not None and u.pk != actor.pk],
            kind=NotificationKind.LEAD_REJECTED,
            message=f"Lead rejected ({RejectionReason(reason).label}): {_lead_label(lead)}.",
            lead=lead,
            handoff=handoff,
        )
    return lead


@transaction.atomic
def lead_convert(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    amount: Decimal | int | str,
    name: str = "",
    expected_close_date: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Opportunity:
    lead, target, when = _begin_move(Action.CONVERT, lead_id=lead_id, actor=actor, at=at)
    errors: dict[str, list[str]] = {}
    try:
        value = _validate_amount(amount)
    except InvalidInput as exc:
        errors.update(exc.errors)
    name = (name or "").strip() or (lead.company or _lead_label(lead))
    if len(name) > 200:
        errors["name"] = [_("At most 200 characters.")]
    if expected_close_date is not None and not isinstance(expected_close_date, dt.date):
        errors["expected_close_date"] = [_("Give a date.")]
    if errors:
        raise InvalidInput(errors)
    opportunity = Opportunity.objects.create(
        lead=lead,
        name=name[:200],
        amount=value,
        expected_close_date=expected_close_date,
        owner_id=lead.owner_id or actor.pk,
        created_at=when,
    )
    from_status = lead.status
    lead.status = target
    lead.converted_at = lead.converted_at or when
    lead.save()
    _record(
        lead=lead,
        actor=actor,
        action=Action.CONVERT,
        from_status=from_status,
        to_status=target,
        at=when,
        data={"amount": str(value), "name": name},
        opportunity=opportunity,
        previous_owner_id=lead.owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    return opportunity


# --------------------------------------------------------------------------- opportunities


def _lock_opportunity(
    opportunity_id: int, actor: AbstractBaseUser, action: str
) -> tuple[Opportunity, Lead]:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    lead = _lock_lead(opportunity.lead_id)
    if not (
        has_role(actor, MANAGER) or (has_role(actor, SALES) and opportunity.owner_id == actor.pk)
    ):
        raise ActionNotAllowed(
            _("Only the owning rep or a manager may %(action)s this opportunity.")
            % {"action": action}
        )
    if not opportunity.is_open:
        raise InvalidTransition(
            _("Cannot %(action)s an opportunity that is %(stage)s (status `%(code)s`).")
            % {"action": action, "stage": opportunity.stage, "code": opportunity.stage},
            status=opportunity.stage,
        )
    return opportunity, lead


def _opportunity_event(
    opportunity: Opportunity,
    lead: Lead,
    *,
    actor: AbstractBaseUser,
    action: str,
    when: dt.datetime,
    data: dict[str, Any],
) -> None:
    _record(
        lead=lead,
        actor=actor,
        action=action,
        from_status=lead.status,
        to_status=lead.status,
        at=when,
        data=_jsonable(data),
        opportunity=opportunity,
        previous_owner_id=lead.owner_id,
        previous_campaign_id=lead.campaign_id,
    )


@transaction.atomic
def opportunity_update(
    *,
    opportunity_id: int,
    actor: AbstractBaseUser,
    stage: str | None = None,
    name: str | None = None,
    amount: Decimal | int | str | None = None,
    expected_close_date: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Opportunity:
    """Edit an open opportunity. A stage change writes "stage_changed"; other edits "updated"
    (with `opportunity` set); nothing changed, no event. `at` backfills the change's time."""
    opportunity, lead = _lock_opportunity(opportunity_id, actor, "change")
    when = _check_backfill(actor=actor, at=at)
    if at is not None:
        _check_after_previous(lead, when)
    errors: dict[str, list[str]] = {}
    changed: dict[str, list[Any]] = {}
    if stage is not None:
        if stage not in Opportunity.OPEN_STAGES:
            errors["stage"] = [_("Choose an open stage; win or lose to close.")]
        elif stage != opportunity.stage:
            changed["stage"] = [opportunity.stage, stage]
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            errors["name"] = [_("Give a name of at most 200 characters.")]
        elif name != opportunity.name:
            changed["name"] = [opportunity.name, name]
    if amount is not None:
        try:
            value = _validate_amount(amount)
            if value != opportunity.amount:
                changed["amount"] = [opportunity.amount, value]
        except InvalidInput as exc:
            errors.update(exc.errors)
    if expected_close_date is not None and expected_close_date != opportunity.expected_close_date:
        changed["expected_close_date"] = [opportunity.expected_close_date, expected_close_date]
    if errors:
        raise InvalidInput(errors)
    if not changed:
        return opportunity
    for key, (_old, new) in changed.items():
        setattr(opportunity, key, new)
    opportunity.save()
    _opportunity_event(
        opportunity,
        lead,
        actor=actor,
        action=Action.STAGE_CHANGED if "stage" in changed else Action.UPDATED,
        when=when,
        data={"changed": changed},
    )
    return opportunity


def _check_close_time(
    opportunity: Opportunity, lead: Lead, actor: AbstractBaseUser, at: dt.datetime | None
) -> dt.datetime:
    when = _check_backfill(actor=actor, at=at)
    if at is not None:
        _check_after_previous(lead, when)
        if when < opportunity.created_at:
            raise InvalidInput({"at": [_("An opportunity cannot close before it was opened.")]})
    return when


@transaction.atomic
def opportunity_win(
    *,
    opportunity_id: int,
    actor: AbstractBaseUser,
    amount: Decimal | int | str | None = None,
    at: dt.datetime | None = None,
) -> Opportunity:
    opportunity, lead = _lock_opportunity(opportunity_id, actor, "win")
    when = _check_close_time(opportunity, lead, actor, at)
    if amount is not None:
        opportunity.amount = _validate_amount(amount)
    from_stage = opportunity.stage
    opportunity.stage = OpportunityStage.WON
    opportunity.closed_at = when
    opportunity.save()
    _opportunity_event(
        opportunity,
        lead,
        actor=actor,
        action=Action.WON,
        when=when,
        data={"from_stage": from_stage, "amount": str(opportunity.amount)},
    )
    return opportunity


@transaction.atomic
def opportunity_lose(
    *, opportunity_id: int, actor: AbstractBaseUser, reason: str, at: dt.datetime | None = None
) -> Opportunity:
    opportunity, lead = _lock_opportunity(opportunity_id, actor, "lose")
    reason = (reason or "").strip()
    if not reason or len(reason) > 255:
        raise InvalidInput({"reason": [_("Say why the deal was lost (at most 255 characters).")]})
    when = _check_close_time(opportunity, lead, actor, at)
    from_stage = opportunity.stage
    opportunity.stage = OpportunityStage.LOST
    opportunity.lost_reason = reason
    opportunity.closed_at = when
    opportunity.save()
    _opportunity_event(
        opportunity,
        lead,
        actor=actor,
        action=Action.LOST,
        when=when,
        data={"from_stage": from_stage, "reason": reason},
    )
    return opportunity


# --------------------------------------------------------------------------- notifications


def notification_mark_read(*, notification_id: int, user: AbstractBaseUser) -> Notification:
    """Mark one of the user's own notices read (Notification.DoesNotExist for others')."""
    notification = Notification.objects.get(pk=notification_id, recipient_id=user.pk)
    if notification.read_at is None:
        notification.read_at = _now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=_now()
    )


# --------------------------------------------------------------------------- SLA sweep


@dataclass
class SweepResult:
    reminded: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    reassigned: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def sla_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Remind reps before the due time, then record each overdue pending handoff's breach
    once, notify the rep and the managers, and reassign where the policy says so (up to
    its limit; past it the breach is escalated to the managers only).

    Idempotent: a reminder or a breach is claimed with a conditional update on
    `reminded_at` / `breached_at`, so a second run (or two beat ticks racing) does nothing.
    """
    now = now or _now()
    result = SweepResult()
    reminders = Handoff.objects.filter(
        outcome=HandoffOutcome.PENDING,
        reminded_at__isnull=True,
        breached_at__isnull=True,
        sla_remind_at__lte=now,
        sla_due_at__gt=now,
    ).values_list("pk", flat=True)
    for handoff_id in list(reminders):
        with transaction.atomic():
            claimed = Handoff.objects.filter(
                pk=handoff_id, outcome=HandoffOutcome.PENDING, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            handoff = Handoff.objects.select_related("lead", "assignee").get(pk=handoff_id)
            _notify(
                [handoff.assignee],
                kind=NotificationKind.SLA_REMINDER,
                message=f"Respond to {_lead_label(handoff.lead)} by "
                f"{timezone.localtime(handoff.sla_due_at):%Y-%m-%d %H:%M}.",
                lead=handoff.lead,
                handoff=handoff,
                at=now,
            )
            result.reminded.append(handoff_id)
    overdue = Handoff.objects.filter(
        outcome=HandoffOutcome.PENDING, breached_at__isnull=True, sla_due_at__lte=now
    ).values_list("pk", "lead_id")
    for handoff_id, lead_id in list(overdue):
        try:
            _breach_one(handoff_id=handoff_id, lead_id=lead_id, now=now, result=result)
        except DomainError:
            continue
    return result


@transaction.atomic
def _breach_one(*, handoff_id: int, lead_id: int, now: dt.datetime, result: SweepResult) -> None:
    lead = _lock_lead(lead_id)
    claimed = Handoff.objects.filter(
        pk=handoff_id, outcome=HandoffOutcome.PENDING, breached_at__isnull=True
    ).update(breached_at=now)
    if not claimed:
        return
    handoff = Handoff.objects.select_related("assignee", "sla_policy").get(pk=handoff_id)
    _record(
        lead=lead,
        actor=None,
        action=Action.SLA_BREACHED,
        from_status=lead.status,
        to_status=lead.status,
        at=handoff.sla_due_at,
        data={
            "assignee": handoff.assignee_id,
            "sla_due_at": handoff.sla_due_at.isoformat(),
            "detected_at": now.isoformat(),
        },
        handoff=handoff,
        previous_owner_id=lead.owner_id,
        previous_campaign_id=lead.campaign_id,
    )
    result.breached.append(handoff_id)
    label = _lead_label(lead)
    managers = _managers()
    _notify(
        [handoff.assignee, *managers],
        kind=NotificationKind.SLA_BREACHED,
        message=f"SLA breached: {label} was due "
        f"{timezone.localtime(handoff.sla_due_at):%Y-%m-%d %H:%M} "
        f"with {handoff.assignee.get_username()}.",
        lead=lead,
        handoff=handoff,
        at=now,
    )
    policy = handoff.sla_policy
    if policy is None or not policy.auto_reassign:
        return
    automatic = Handoff.objects.filter(
        lead=lead, outcome=HandoffOutcome.REASSIGNED, breached_at__isnull=False
    ).count()
    if automatic >= policy.max_auto_reassignments:
        _escalate(managers, lead, handoff, now, f"already reassigned {automatic} time(s)")
        result.escalated.append(handoff_id)
        return
    choice = assignment.choose_assignee(lead=lead, exclude={handoff.assignee_id})
    if choice.user is None:
        _escalate(managers, lead, handoff, now, "no other rep is available")
        result.escalated.append(handoff_id)
        return
    info = {**choice.info, "reason": "sla_breach", "breached_handoff": handoff.pk}
    _reassign(
        lead,
        actor=None,
        assignee=choice.user,
        when=now,
        info=info,
        backfilled=False,
        data={"reason": "sla_breach"},
    )
    result.reassigned.append(handoff_id)


def _escalate(
    managers: list[AbstractBaseUser], lead: Lead, handoff: Handoff, now: dt.datetime, why: str
) -> None:
    _notify(
        managers,
        kind=NotificationKind.SLA_BREACHED,
        message=f"Escalated: {_lead_label(lead)} is overdue and was not reassigned ({why}).",
        lead=lead,
        handoff=handoff,
        at=now,
    )
