"""Every move of a lead through the lifecycle, one path for all of them.

Each public move runs in one transaction: `begin_move` locks the lead row, checks the actor
and the transition table and the (backfilled) time; the move validates its input and writes
its handoff record; `_finish` writes the new state and exactly ONE `LeadEvent` (which sends
`handoff.signals.lead_moved`). Side effects (notifications, their emails) are queued on
commit. A refused move raises a `leads.errors.DomainError` and writes nothing.

`LEAD_MOVES` is the one registry from an action to its service; pages and the API dispatch
through `lead_move`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from handoff import assignment
from handoff.models import Handoff, HandoffOutcome, RejectionReason
from handoff.services.core import (
    begin_move,
    pending_handoff,
    record,
    sales_rep,
    validate_amount,
    validate_feedback,
    validate_rating,
    validate_score,
)
from handoff.services.notices import notify_assigned, notify_rejected
from handoff.sla.policy import sla_plan
from handoff.transitions import Action
from leads.errors import InvalidInput, InvalidTransition
from leads.models import Lead, LeadStatus, Opportunity


@transaction.atomic
def lead_qualify(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    score: int | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    lead, target, when = begin_move(Action.QUALIFY, lead_id=lead_id, actor=actor, at=at)
    data: dict[str, Any] = {}
    if score is not None:
        lead.score = validate_score(score)
        data["score"] = lead.score
    return _finish(
        lead,
        Action.QUALIFY,
        target,
        actor=actor,
        when=when,
        data=data,
        previous_owner_id=lead.owner_id,
        milestone="first_mql_at",
    )


@transaction.atomic
def lead_nurture(*, lead_id: int, actor: AbstractBaseUser, at: dt.datetime | None = None) -> Lead:
    lead, target, when = begin_move(Action.NURTURE, lead_id=lead_id, actor=actor, at=at)
    return _finish(
        lead,
        Action.NURTURE,
        target,
        actor=actor,
        when=when,
        data={},
        previous_owner_id=lead.owner_id,
    )


@transaction.atomic
def lead_recycle(*, lead_id: int, actor: AbstractBaseUser, at: dt.datetime | None = None) -> Lead:
    """Back to marketing's nurture; the lead leaves the rep (owner cleared)."""
    lead, target, when = begin_move(Action.RECYCLE, lead_id=lead_id, actor=actor, at=at)
    previous_owner_id = lead.owner_id
    lead.owner = None
    return _finish(
        lead,
        Action.RECYCLE,
        target,
        actor=actor,
        when=when,
        data={},
        previous_owner_id=previous_owner_id,
    )


@transaction.atomic
def lead_disqualify(
    *, lead_id: int, actor: AbstractBaseUser, reason: str = "", at: dt.datetime | None = None
) -> Lead:
    lead, target, when = begin_move(Action.DISQUALIFY, lead_id=lead_id, actor=actor, at=at)
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise InvalidInput({"reason": [_("At most 1,000 characters.")]})
    return _finish(
        lead,
        Action.DISQUALIFY,
        target,
        actor=actor,
        when=when,
        data={"reason": reason},
        previous_owner_id=lead.owner_id,
    )


MILESTONES = ("first_mql_at", "first_handed_off_at", "first_accepted_at", "converted_at")


def _finish(
    lead: Lead,
    action: str,
    target: str,
    *,
    actor: AbstractBaseUser | None,
    when: dt.datetime,
    data: dict[str, Any],
    previous_owner_id: int | None,
    milestone: str | None = None,
    handoff: Handoff | None = None,
    opportunity: Opportunity | None = None,
) -> Lead:
    """The one ending of every lead move: the new status (and the first time the lead
    reached `milestone`), saved, and its one audit event."""
    from_status = lead.status
    lead.status = target
    if milestone is not None and getattr(lead, milestone) is None:
        setattr(lead, milestone, when)
    lead.save()
    record(
        lead=lead,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=target,
        at=when,
        data=data,
        handoff=handoff,
        opportunity=opportunity,
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
    plan = sla_plan(score=lead.score, predicted_score=lead.predicted_score, handed_off_at=when)
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


@transaction.atomic
def lead_handoff(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    assignee_id: int | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    """Assign an MQL to a rep (given, or by the assignment rule) and start its SLA clock."""
    lead, target, when = begin_move(Action.HANDOFF, lead_id=lead_id, actor=actor, at=at)
    if assignee_id is not None:
        assignee = sales_rep(assignee_id)
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
    lead.owner = assignee
    _finish(
        lead,
        Action.HANDOFF,
        target,
        actor=actor,
        when=when,
        data={"assignee": assignee.pk, "assignment": info},
        handoff=handoff,
        previous_owner_id=previous_owner_id,
        milestone="first_handed_off_at",
    )
    notify_assigned(handoff, lead, backfilled=at is not None)
    return lead


def reassign_pending(
    lead: Lead,
    *,
    actor: AbstractBaseUser | None,
    assignee: AbstractBaseUser,
    when: dt.datetime,
    info: dict[str, Any],
    backfilled: bool,
    data: dict[str, Any] | None = None,
) -> Handoff:
    current = pending_handoff(lead)
    current.outcome = HandoffOutcome.REASSIGNED
    current.closed_at = when
    current.save(update_fields=["outcome", "closed_at"])
    previous_owner_id = lead.owner_id
    handoff = _open_handoff(lead, assignee=assignee, actor=actor, when=when, info=info)
    lead.owner = assignee
    _finish(
        lead,
        Action.REASSIGN,
        lead.status,
        actor=actor,
        when=when,
        data={
            "from_assignee": current.assignee_id,
            "assignee": assignee.pk,
            "assignment": info,
            **(data or {}),
        },
        handoff=handoff,
        previous_owner_id=previous_owner_id,
    )
    notify_assigned(handoff, lead, backfilled=backfilled)
    return handoff


@transaction.atomic
def lead_reassign(
    *,
    lead_id: int,
    actor: AbstractBaseUser,
    assignee_id: int | None = None,
    at: dt.datetime | None = None,
    reason: str = "",
    rotate: bool = False,
) -> Lead:
    """A manager moves a pending handoff to another rep: the old record closes `reassigned`.

    The rep is `assignee_id`, or with `rotate` the next one of the assignment rule (the
    current rep excluded). `reason` (e.g. "deactivated") is recorded on the event.
    """
    lead, _target, when = begin_move(Action.REASSIGN, lead_id=lead_id, actor=actor, at=at)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise InvalidInput({"reason": [_("At most 200 characters.")]})
    extra = {"reason": reason} if reason else {}
    if assignee_id is None and rotate:
        choice = assignment.choose_assignee(lead=lead, exclude={lead.owner_id})
        if choice.user is None:
            raise InvalidInput(
                {"assignee": [_("No sales rep is available (all away, inactive or at their cap).")]}
            )
        assignee, info = choice.user, {**choice.info, **extra}
    else:
        if assignee_id is None:
            raise InvalidInput({"assignee": [_("Choose the rep to reassign to.")]})
        assignee = sales_rep(assignee_id)
        info = {"method": "manual", "chosen_by": actor.pk, **extra}
    if assignee.pk == lead.owner_id:
        raise InvalidInput({"assignee": [_("The lead is already assigned to this rep.")]})
    reassign_pending(
        lead,
        actor=actor,
        assignee=assignee,
        when=when,
        info=info,
        backfilled=at is not None,
        data=extra,
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
    lead, target, when = begin_move(Action.ACCEPT, lead_id=lead_id, actor=actor, at=at)
    rating = validate_rating(rating)
    feedback = validate_feedback(feedback)
    handoff = pending_handoff(lead)
    handoff.outcome = HandoffOutcome.ACCEPTED
    handoff.responded_at = handoff.closed_at = when
    handoff.rating = rating
    handoff.feedback = feedback
    handoff.save(update_fields=["outcome", "responded_at", "closed_at", "rating", "feedback"])
    return _finish(
        lead,
        Action.ACCEPT,
        target,
        actor=actor,
        when=when,
        data={"rating": rating, "feedback": feedback},
        handoff=handoff,
        previous_owner_id=lead.owner_id,
        milestone="first_accepted_at",
    )


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
    lead, target, when = begin_move(Action.REJECT, lead_id=lead_id, actor=actor, at=at)
    errors: dict[str, list[str]] = {}
    if reason not in RejectionReason.values:
        errors["reason"] = [_("Choose one of the rejection reasons.")]
    feedback = validate_feedback(feedback)
    if reason == RejectionReason.OTHER and not feedback:
        errors["feedback"] = [_("Say why when the reason is `other`.")]
    if errors:
        raise InvalidInput(errors)
    rating = validate_rating(rating)
    if lead.status == LeadStatus.HANDED_OFF:
        handoff = pending_handoff(lead)
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
    _finish(
        lead,
        Action.REJECT,
        target,
        actor=actor,
        when=when,
        data={"reason": reason, "rating": rating, "feedback": feedback},
        handoff=handoff,
        previous_owner_id=lead.owner_id,
    )
    if at is None:
        notify_rejected(handoff, lead, actor=actor, reason=reason)
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
    lead, target, when = begin_move(Action.CONVERT, lead_id=lead_id, actor=actor, at=at)
    errors: dict[str, list[str]] = {}
    try:
        value = validate_amount(amount)
    except InvalidInput as exc:
        errors.update(exc.errors)
    name = (name or "").strip() or (lead.company or lead.label)
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
    _finish(
        lead,
        Action.CONVERT,
        target,
        actor=actor,
        when=when,
        data={"amount": str(value), "name": name},
        opportunity=opportunity,
        previous_owner_id=lead.owner_id,
        milestone="converted_at",
    )
    return opportunity


# The one registry from a lifecycle action to its service: pages and the API dispatch here.
LEAD_MOVES: dict[str, Callable[..., Lead | Opportunity]] = {
    Action.QUALIFY: lead_qualify,
    Action.NURTURE: lead_nurture,
    Action.HANDOFF: lead_handoff,
    Action.REASSIGN: lead_reassign,
    Action.ACCEPT: lead_accept,
    Action.REJECT: lead_reject,
    Action.RECYCLE: lead_recycle,
    Action.DISQUALIFY: lead_disqualify,
    Action.CONVERT: lead_convert,
}


def lead_move(
    *, action: str, lead_id: int, actor: AbstractBaseUser, **fields: Any
) -> Lead | Opportunity:
    """Make the lifecycle move `action` with its own keyword arguments (`fields`)."""
    try:
        move = LEAD_MOVES[action]
    except KeyError:
        raise InvalidInput({"action": [_("Unknown move.")]}) from None
    return move(lead_id=lead_id, actor=actor, **fields)
