"""Moves of an opportunity: edit (stage, name, amount, close date), win, lose.

Each locks the opportunity and its lead, checks the owner or manager and that the deal is
open, and writes one `LeadEvent` on the lead (with `opportunity` set).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from handoff.services.core import (
    check_after_previous,
    check_backfill,
    jsonable,
    lock_lead,
    record,
    validate_amount,
)
from handoff.transitions import Action
from leads.errors import ActionNotAllowed, InvalidInput, InvalidTransition
from leads.models import Lead, LossReason, Opportunity, OpportunityStage, WinReason
from leads.roles import MANAGER, SALES, has_role

# The longest close note a win or loss may carry.
NOTE_MAX_LENGTH = 1000


def _lock_opportunity(
    opportunity_id: int, actor: AbstractBaseUser, action: str
) -> tuple[Opportunity, Lead]:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    lead = lock_lead(opportunity.lead_id)
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
    record(
        lead=lead,
        actor=actor,
        action=action,
        from_status=lead.status,
        to_status=lead.status,
        at=when,
        data=jsonable(data),
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
    when = check_backfill(actor=actor, at=at)
    if at is not None:
        check_after_previous(lead, when)
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
            value = validate_amount(amount)
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
    when = check_backfill(actor=actor, at=at)
    if at is not None:
        check_after_previous(lead, when)
        if when < opportunity.created_at:
            raise InvalidInput({"at": [_("An opportunity cannot close before it was opened.")]})
    return when


@transaction.atomic
def opportunity_win(
    *,
    opportunity_id: int,
    actor: AbstractBaseUser,
    amount: Decimal | int | str | None = None,
    reason: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> Opportunity:
    """Close as won; `reason` is an optional WinReason code, `note` optional words."""
    opportunity, lead = _lock_opportunity(opportunity_id, actor, "win")
    reason, note = (reason or "").strip(), (note or "").strip()
    if reason and reason not in WinReason.values:
        raise InvalidInput({"reason": [_("Choose one of the win reasons, or none.")]})
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput({"note": [_("Keep the note under 1,000 characters.")]})
    when = _check_close_time(opportunity, lead, actor, at)
    if amount is not None:
        opportunity.amount = validate_amount(amount)
    from_stage = opportunity.stage
    opportunity.stage = OpportunityStage.WON
    opportunity.closed_at = when
    opportunity.won_reason = reason
    opportunity.close_note = note
    opportunity.save()
    _opportunity_event(
        opportunity,
        lead,
        actor=actor,
        action=Action.WON,
        when=when,
        data={
            "from_stage": from_stage,
            "amount": str(opportunity.amount),
            "reason": reason,
            "note": note,
        },
    )
    return opportunity


@transaction.atomic
def opportunity_lose(
    *,
    opportunity_id: int,
    actor: AbstractBaseUser,
    reason: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Opportunity:
    """Close as lost with a LossReason code; `other` needs a `note`."""
    opportunity, lead = _lock_opportunity(opportunity_id, actor, "lose")
    reason, note = (reason or "").strip(), (note or "").strip()
    if reason not in LossReason.values:
        raise InvalidInput({"reason": [_("Choose why the deal was lost.")]})
    if reason == LossReason.OTHER and not note:
        raise InvalidInput({"note": [_("Say why in a few words when the reason is Other.")]})
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput({"note": [_("Keep the note under 1,000 characters.")]})
    when = _check_close_time(opportunity, lead, actor, at)
    from_stage = opportunity.stage
    opportunity.stage = OpportunityStage.LOST
    opportunity.lost_reason = reason
    opportunity.close_note = note
    opportunity.closed_at = when
    opportunity.save()
    _opportunity_event(
        opportunity,
        lead,
        actor=actor,
        action=Action.LOST,
        when=when,
        data={"from_stage": from_stage, "reason": reason, "note": note},
    )
    return opportunity
