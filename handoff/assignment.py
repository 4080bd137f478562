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

from handoff.models import (
    AssignmentRule,
    RepAvailability,
    RotationPointer,
    ScoreKind,
    lead_score,
)
from leads.models import Lead, LeadStatus
from leads.roles import SALES, role_members

User = get_user_model()
DEFAULT_POOL = "default"
OPEN_STATUSES = (LeadStatus.HANDED_OFF, LeadStatus.ACCEPTED)


def rotation_order(candidates: Sequence[int], last_user_id: int | None) -> list[int]:
    """Every candidate in the order the rotation offers them: ascending ids, starting after
    `last_user_id`, cyclically. The one ordering of the rotation and of its preview."""
    ordered = sorted(set(candidates))
    start = 0
    if last_user_id is not None and ordered:
        start = next((i for i, uid in enumerate(ordered) if uid > last_user_id), 0)
    return ordered[start:] + ordered[:start]


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
    skipped: list[tuple[int, str]] = []
    for uid in rotation_order(candidates, last_user_id):
        if uid in unavailable:
            skipped.append((uid, unavailable[uid]))
            continue
        return Choice(uid, skipped)
    return Choice(None, skipped)


@dataclass(frozen=True)
class Assignment:
    user: AbstractBaseUser | None
    info: dict[str, Any]


def matching_rule(
    *, country: str, channel: str, scores: dict[str, int | None] | None = None
) -> AssignmentRule | None:
    """The first active rule, by priority, that matches a lead's country, channel and (for a
    rule with a minimum score) its manual or predicted score."""
    return next(
        (
            r
            for r in AssignmentRule.objects.filter(active=True).order_by("priority", "id")
            if r.matches(country=country, channel=channel, scores=scores)
        ),
        None,
    )


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
    scores = {kind: lead_score(lead, kind) for kind in ScoreKind.values}
    rule = matching_rule(country=str(lead.country or ""), channel=channel, scores=scores)
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


@dataclass(frozen=True)
class Candidate:
    user: Any
    reason: str  # "" when available


@dataclass(frozen=True)
class PoolPreview:
    rule: AssignmentRule | None
    candidates: list[Candidate]

    @property
    def available(self) -> list[Any]:
        return [c.user for c in self.candidates if not c.reason]


def preview_assignees(*, country: str, channel: str, score: int | None = None) -> list[PoolPreview]:
    """Who a lead from `country` on a `channel` campaign would go to, in order, WITHOUT
    taking a turn: the same rule, pools, availability and rotation order as
    `choose_assignee`, with the pointers read but neither locked nor moved. The first
    available rep of the first pool with one is who the next handoff picks (barring a
    handoff in between); the others follow in the rotation's order. A `score` is taken as
    both the manual and the predicted score; without one, score conditions are ignored."""
    scores = None if score is None else dict.fromkeys(ScoreKind.values, score)
    rule = matching_rule(country=country, channel=channel, scores=scores)
    pools = [rule, None] if rule is not None else [None]
    keys = [f"rule:{r.pk}" if r is not None else DEFAULT_POOL for r in pools]
    pointers = dict(RotationPointer.objects.filter(key__in=keys).values_list("key", "last_user_id"))
    previews = []
    for pool_rule, key in zip(pools, keys, strict=True):
        reps = _pool(pool_rule)
        by_id = {r.pk: r for r in reps}
        unavailable = _unavailable(reps, set())
        order = rotation_order(list(by_id), pointers.get(key))
        previews.append(
            PoolPreview(
                pool_rule, [Candidate(by_id[uid], unavailable.get(uid, "")) for uid in order]
            )
        )
    return previews


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
