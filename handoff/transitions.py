"""The transition table of workflow.md, written once: actions, source states, targets, roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadStatus
from leads.roles import MANAGER, MARKETING, SALES, roles_of


class Action(models.TextChoices):
    """Every `LeadEvent.action` the workflow writes."""

    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    QUALIFY = "qualify", _("Qualified")
    NURTURE = "nurture", _("Nurtured")
    HANDOFF = "handoff", _("Handed off")
    REASSIGN = "reassign", _("Reassigned")
    ACCEPT = "accept", _("Accepted")
    REJECT = "reject", _("Rejected")
    RECYCLE = "recycle", _("Recycled")
    DISQUALIFY = "disqualify", _("Disqualified")
    CONVERT = "convert", _("Converted")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    SLA_BREACHED = "sla_breached", _("SLA breached")


# Who may: MARKETING / MANAGER are roles; OWNER means "a sales rep who owns the lead".
OWNER = "owner"

S = LeadStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            Action.QUALIFY, frozenset({S.NEW, S.NURTURE}), S.MQL, frozenset({MARKETING, MANAGER})
        ),
        Transition(Action.NURTURE, frozenset({S.NEW}), S.NURTURE, frozenset({MARKETING, MANAGER})),
        Transition(
            Action.HANDOFF, frozenset({S.MQL}), S.HANDED_OFF, frozenset({MARKETING, MANAGER})
        ),
        Transition(Action.REASSIGN, frozenset({S.HANDED_OFF}), S.HANDED_OFF, frozenset({MANAGER})),
        Transition(
            Action.ACCEPT, frozenset({S.HANDED_OFF}), S.ACCEPTED, frozenset({OWNER, MANAGER})
        ),
        Transition(
            Action.REJECT,
            frozenset({S.HANDED_OFF, S.ACCEPTED}),
            S.REJECTED,
            frozenset({OWNER, MANAGER}),
        ),
        Transition(
            Action.RECYCLE, frozenset({S.REJECTED}), S.NURTURE, frozenset({MARKETING, MANAGER})
        ),
        Transition(
            Action.DISQUALIFY,
            frozenset({S.NEW, S.NURTURE, S.MQL, S.REJECTED}),
            S.DISQUALIFIED,
            frozenset({MARKETING, MANAGER}),
        ),
        Transition(
            Action.CONVERT, frozenset({S.ACCEPTED}), S.CONVERTED, frozenset({OWNER, MANAGER})
        ),
    )
}

LEAD_ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)
OPEN_LEAD_STATUSES = (S.HANDED_OFF, S.ACCEPTED)


def actor_may(who: frozenset[str], user: AbstractBaseUser | AnonymousUser, lead: Lead) -> bool:
    """Whether the user's roles (and, for OWNER, ownership of the lead) satisfy `who`."""
    held = roles_of(user)
    if held & who:
        return True
    return OWNER in who and SALES in held and lead.owner_id == user.pk


def is_allowed(action: str, user: AbstractBaseUser | AnonymousUser, lead: Lead) -> bool:
    """The move is allowed now for this user (role and source state; input aside)."""
    t = TRANSITIONS[action]
    return lead.status in t.sources and actor_may(t.who, user, lead)
