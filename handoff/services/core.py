"""What every write of the workflow shares: the time of a move (now or backfilled), the row
lock, the guard against the transition table, the one audit event with its domain signal,
and the input checks that more than one move needs (rating, score, amount, feedback).

Nothing here is called from outside `handoff.services`; the moves live in `capture`,
`moves` and `opportunities`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff.models import Handoff, HandoffOutcome, LeadEvent
from handoff.rules import FEEDBACK_MAX_LENGTH
from handoff.signals import lead_moved
from handoff.transitions import TRANSITIONS, actor_may
from leads import bounds
from leads.errors import ActionNotAllowed, InvalidInput, InvalidTransition
from leads.models import Lead, Opportunity
from leads.roles import SALES, can_backfill, has_role, role_members


def time_now() -> dt.datetime:
    return timezone.now()


def check_backfill(
    *, actor: AbstractBaseUser, at: dt.datetime | None, field: str = "at"
) -> dt.datetime:
    """The time of the move: now, or a backfilled `at` (permission checked, and the time
    inside `leads.bounds`: not before 2000-01-01, not in the future)."""
    if at is None:
        return time_now()
    if not can_backfill(actor):
        raise ActionNotAllowed(
            _("Passing `%(field)s` needs the backfill permission.") % {"field": field}
        )
    if timezone.is_naive(at):
        raise InvalidInput({field: [_("Give a time zone with the time.")]})
    errors = bounds.time_errors(at, field)
    if errors:
        raise InvalidInput(errors)
    return at


def check_after_previous(lead: Lead, at: dt.datetime, field: str = "at") -> None:
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


def lock_lead(lead_id: int) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead_id)


def guard(action: str, *, lead: Lead, actor: AbstractBaseUser) -> str:
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


def begin_move(
    action: str, *, lead_id: int, actor: AbstractBaseUser, at: dt.datetime | None
) -> tuple[Lead, str, dt.datetime]:
    lead = lock_lead(lead_id)
    target = guard(action, lead=lead, actor=actor)
    when = check_backfill(actor=actor, at=at)
    if at is not None:
        check_after_previous(lead, when)
    return lead, target, when


def record(
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


def sales_rep(user_id: Any, *, field: str = "assignee") -> AbstractBaseUser:
    """The active sales rep with this id (the one rep pool: `leads.roles.role_members`)."""
    try:
        return role_members(SALES).get(pk=int(user_id))
    except (ObjectDoesNotExist, TypeError, ValueError):
        raise InvalidInput({field: [_("Choose an active sales rep.")]}) from None


def validate_rating(rating: Any) -> int | None:
    if rating is None or rating == "":
        return None
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise InvalidInput({"rating": [_("The rating is a whole number from 1 to 5.")]}) from None
    if (isinstance(rating, float) and value != rating) or not 1 <= value <= 5:
        raise InvalidInput({"rating": [_("The rating is a whole number from 1 to 5.")]})
    return value


def validate_score(score: Any) -> int:
    try:
        value = int(score)
    except (TypeError, ValueError):
        raise InvalidInput({"score": [_("The score is a whole number from 0 to 100.")]}) from None
    if not 0 <= value <= 100:
        raise InvalidInput({"score": [_("The score is a whole number from 0 to 100.")]})
    return value


def validate_amount(amount: Any, field: str = "amount") -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput({field: [_("Give an amount of money.")]}) from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput({field: [_("Give a non-negative amount with at most two decimals.")]})
    errors = bounds.amount_errors(value, field)
    if errors:
        raise InvalidInput(errors)
    return value.quantize(Decimal("0.01"))


def validate_feedback(feedback: Any) -> str:
    """A rep's free-text feedback: trimmed, at most FEEDBACK_MAX_LENGTH characters (the one
    limit: the page form and the API only repeat it for their own messages)."""
    text = str(feedback or "").strip()
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise InvalidInput(
            {
                "feedback": [
                    _("At most %(count)s characters.") % {"count": f"{FEEDBACK_MAX_LENGTH:,}"}
                ]
            }
        )
    return text


def pending_handoff(lead: Lead) -> Handoff:
    return Handoff.objects.select_for_update().get(lead=lead, outcome=HandoffOutcome.PENDING)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
