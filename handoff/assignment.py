"""Who gets the next lead: a pure round-robin choice, and the rotation pointer in the database.

The pointer row is locked (`select_for_update`) for the length of the handoff's
transaction, so concurrent handoffs take turns one after another and never the same turn.
Callers lock the lead first and the pointer second, always in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q

from handoff.models import AssignmentRule, RepAvailability, RotationPointer
from leads.models import Lead, LeadStatus
from leads.roles import SALES, role_members

User = get_user_model()
DEFAULT_POOL = "default"
OPEN_STATUSES = (LeadStatus.HANDED_OFF, LeadStatus.ACCEPTED)


@dataclass(frozen=True)
class Choice:
    user_id: int | None
    skipped: list[tuple[int, str]] = field(default_factory=list)


def next_in_rotation(
    candidates: Sequence[int], last_user_id: int | None, unavailable: Mapping[int, str]
) -> Choice:
    """The first available candidate after `last_user_id` in ascending id order, cyclically.

    `unavailable` maps a candidate id to why it is skipped; those passed over are
    reported in order. `user_id` is None when nobody is available.
    """
    ordered = sorted(set(candidates))
    if not ordered:
        return Choice(None)
    start = 0
    if last_user_id is not None:
        start = next((i for i, uid in enumerate(ordered) if uid > last_user_id), 0)
    skipped: list[tuple[int, str]] = []
    for offset in range(len(ordered)):
        uid = ordered[(start + offset) % len(ordered)]
        if uid in unavailable:
            skipped.append((uid, unavailable[uid]))
            continue
        return Choice(uid, skipped)
    return Choice(None, skipped)


@dataclass(frozen=True)
class Assignment:
    user: AbstractBaseUser | None
    info: dict[str, Any]


def _pool(rule: AssignmentRule | None) -> list[Any]:
    """Candidate reps with what decides availability, in one query."""
    qs = role_members(SALES, active=False)  # inactive reps are skipped with their reason
    if rule is not None:
        qs = qs.filter(pk__in=rule.reps.values("pk"))
    return list(
        qs.annotate(
            open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_STATUSES)),
        )
        .select_related("availability")
        .order_by("pk")
    )


def _unavailable(reps: Sequence[Any], exclude: set[int]) -> dict[int, str]:
    reasons: dict[int, str] = {}
    for rep in reps:
        try:
            availability: RepAvailability | None = rep.availability
        except RepAvailability.DoesNotExist:
            availability = None
        if rep.pk in exclude:
            reasons[rep.pk] = "current assignee"
        elif not rep.is_active:
            reasons[rep.pk] = "inactive"
        elif availability is not None and availability.away:
            reasons[rep.pk] = "away"
        elif (
            availability is not None
            and availability.max_open_leads is not None
            and rep.open_leads >= availability.max_open_leads
        ):
            reasons[rep.pk] = f"at cap ({rep.open_leads}/{availability.max_open_leads} open leads)"
    return reasons


def _take_turn(key: str, reps: Sequence[Any], exclude: set[int]) -> tuple[Choice, int]:
    RotationPointer.objects.get_or_create(key=key)
    pointer = RotationPointer.objects.select_for_update().get(key=key)
    choice = next_in_rotation(
        [r.pk for r in reps], pointer.last_user_id, _unavailable(reps, exclude)
    )
    if choice.user_id is not None:
        pointer.last_user_id = choice.user_id
        pointer.turn += 1
        pointer.save(update_fields=["last_user_id", "turn", "updated_at"])
    return choice, pointer.turn


def choose_assignee(*, lead: Lead, exclude: set[int] | None = None) -> Assignment:
    """Pick the rep for `lead` (call inside the handoff's transaction, after locking the lead).

    The first active rule matching the lead's country or campaign channel narrows the
    pool; if nobody in it is available, the general rotation is used and that is noted.
    """
    exclude = exclude or set()
    channel = lead.campaign.channel if lead.campaign_id else ""
    country = str(lead.country or "")
    rule = next(
        (
            r
            for r in AssignmentRule.objects.filter(active=True).order_by("priority", "id")
            if r.matches(country=country, channel=channel)
        ),
        None,
    )
    info: dict[str, Any] = {"method": "round_robin", "rule": None, "rule_id": None}
    notes: list[str] = []
    reps_by_id: dict[int, Any] = {}
    if rule is not None:
        reps = _pool(rule)
        reps_by_id.update((r.pk, r) for r in reps)
        choice, turn = _take_turn(f"rule:{rule.pk}", reps, exclude)
        if choice.user_id is not None:
            info.update(rule=rule.name, rule_id=rule.pk, pool=f"rule:{rule.pk}")
            return _result(choice, turn, info, reps_by_id, notes)
        notes.append(f"rule {rule.name!r} had no available rep")
        info["rule_skipped"] = _skipped(choice, reps_by_id)
    reps = _pool(None)
    reps_by_id.update((r.pk, r) for r in reps)
    choice, turn = _take_turn(DEFAULT_POOL, reps, exclude)
    info["pool"] = DEFAULT_POOL
    return _result(choice, turn, info, reps_by_id, notes)


def _skipped(choice: Choice, reps_by_id: Mapping[int, Any]) -> list[dict[str, Any]]:
    return [
        {"user_id": uid, "username": reps_by_id[uid].get_username(), "reason": reason}
        for uid, reason in choice.skipped
    ]


def _result(
    choice: Choice, turn: int, info: dict[str, Any], reps_by_id: Mapping[int, Any], notes: list[str]
) -> Assignment:
    info["skipped"] = _skipped(choice, reps_by_id)
    info["turn"] = turn if choice.user_id is not None else None
    if notes:
        info["notes"] = notes
    user = reps_by_id[choice.user_id] if choice.user_id is not None else None
    return Assignment(user, info)


def describe(info: Mapping[str, Any]) -> str:
    """One sentence for the lead page: why this rep got the lead."""
    method = info.get("method")
    if method == "manual":
        return "Chosen by hand."
    parts = []
    if info.get("rule"):
        parts.append(f"Rule {info['rule']!r}")
    else:
        parts.append("General rotation")
    if info.get("turn"):
        parts.append(f"turn {info['turn']}")
    text = ", ".join(parts)
    skipped = info.get("skipped") or []
    if skipped:
        text += "; skipped " + ", ".join(f"{s['username']} ({s['reason']})" for s in skipped)
    for note in info.get("notes") or []:
        text += f"; {note}"
    return text + "."
