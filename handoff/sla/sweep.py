"""The SLA sweep (beat, every minute): remind reps before the due time, record each breach
once, notify, and reassign or escalate as the handoff's policy says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from handoff import assignment
from handoff.models import Handoff, HandoffOutcome
from handoff.services.core import lock_lead, record, time_now
from handoff.services.moves import reassign_pending
from handoff.transitions import Action
from leads.errors import DomainError
from leads.models import Lead
from leads.roles import MANAGER, role_members, user_label
from notifications import texts
from notifications.models import NotificationKind
from notifications.services import notify


def _active_managers() -> list[AbstractBaseUser]:
    return list(role_members(MANAGER))


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
    now = now or time_now()
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
            notify(
                [handoff.assignee],
                kind=NotificationKind.SLA_REMINDER,
                code=texts.SLA_REMINDER,
                params={"lead": handoff.lead.label, "due": handoff.sla_due_at.isoformat()},
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
    lead = lock_lead(lead_id)
    claimed = Handoff.objects.filter(
        pk=handoff_id, outcome=HandoffOutcome.PENDING, breached_at__isnull=True
    ).update(breached_at=now)
    if not claimed:
        return
    handoff = Handoff.objects.select_related("assignee", "sla_policy").get(pk=handoff_id)
    record(
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
    label = lead.label
    managers = _active_managers()
    notify(
        [handoff.assignee, *managers],
        kind=NotificationKind.SLA_BREACHED,
        code=texts.SLA_BREACHED,
        params={
            "lead": label,
            "due": handoff.sla_due_at.isoformat(),
            "rep": user_label(handoff.assignee),
        },
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
        _escalate(managers, lead, handoff, now, {"why": texts.REASSIGN_LIMIT, "count": automatic})
        result.escalated.append(handoff_id)
        return
    choice = assignment.choose_assignee(lead=lead, exclude={handoff.assignee_id})
    if choice.user is None:
        _escalate(managers, lead, handoff, now, {"why": texts.NO_REP})
        result.escalated.append(handoff_id)
        return
    info = {**choice.info, "reason": "sla_breach", "breached_handoff": handoff.pk}
    reassign_pending(
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
    managers: list[AbstractBaseUser],
    lead: Lead,
    handoff: Handoff,
    now: dt.datetime,
    why: dict[str, str | int],
) -> None:
    notify(
        managers,
        kind=NotificationKind.SLA_BREACHED,
        code=texts.SLA_ESCALATED,
        params={"lead": lead.label, **why},
        lead=lead,
        handoff=handoff,
        at=now,
    )
