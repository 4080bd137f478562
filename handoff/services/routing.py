"""Routing rules (`AssignmentRule`), ordered, as managers edit them in the app: create,
edit, delete and move up or down, validated and audited in the same transaction. The
rotation that reads them is `handoff.assignment`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django_countries import countries

from handoff.models import AssignmentRule, ScoreKind
from handoff.services.team import require_manager
from leads import audit
from leads.errors import InvalidInput
from leads.models import Channel
from leads.roles import SALES, role_members

ROUTING = "routing"
RULE_FIELDS = ("name", "priority", "country", "channel", "min_score", "score_kind", "active")
Action = audit.SettingChange.Action


def _rule_snapshot(rule: AssignmentRule) -> dict[str, Any]:
    values = audit.snapshot(rule, RULE_FIELDS)
    values["country"] = str(rule.country or "")
    # usernames, not ids: the history reads them as they were at the time of the change
    values["reps"] = sorted(rule.reps.values_list("username", flat=True)) if rule.pk else []
    return values


def _clean_rule(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    country = str(values.get("country") or "").strip().upper()
    if country and country not in dict(countries):
        errors["country"] = [_("Choose a country from the list.")]
    channel = str(values.get("channel") or "")
    if channel and channel not in Channel.values:
        errors["channel"] = [_("Choose a channel from the list.")]
    min_score = values.get("min_score")
    if min_score in ("", None):
        min_score = None
    else:
        try:
            min_score = int(min_score)
        except (TypeError, ValueError):
            min_score = -1
        if not 0 <= min_score <= 100:
            errors["min_score"] = [_("A whole number from 0 to 100, or empty.")]
    kind = values.get("score_kind") or ScoreKind.MANUAL
    if kind not in ScoreKind.values:
        errors["score_kind"] = [_("Choose the manual or the predicted score.")]
    if (
        not country
        and not channel
        and min_score is None
        and not errors.keys() & {"country", "channel", "min_score"}
    ):
        errors["country"] = [_("A rule needs a country, a channel or a minimum score.")]
    rep_ids: list[int] = []
    for value in values.get("reps") or []:
        try:
            rep_ids.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            errors["reps"] = [_("Choose active sales reps.")]
    reps = list(role_members(SALES).filter(pk__in=rep_ids))
    if not rep_ids:
        errors["reps"] = [_("Choose at least one sales rep.")]
    elif len(reps) != len(set(rep_ids)):
        errors["reps"] = [_("Choose active sales reps.")]
    if errors:
        raise InvalidInput(errors)
    return {
        "name": name,
        "country": country,
        "channel": channel,
        "min_score": min_score,
        "score_kind": kind,
        "active": bool(values.get("active", True)),
        "reps": reps,
    }


def _rule(rule_id: Any) -> AssignmentRule:
    try:
        return AssignmentRule.objects.select_for_update().get(pk=int(rule_id))
    except (AssignmentRule.DoesNotExist, TypeError, ValueError):
        raise InvalidInput({"rule": [_("No such routing rule.")]}) from None


@transaction.atomic
def routing_rule_save(
    *, actor: AbstractBaseUser, values: dict[str, Any], rule_id: int | None = None
) -> AssignmentRule:
    """Create a rule (placed last) or edit one (keeping its place)."""
    require_manager(actor)
    cleaned = _clean_rule(values)
    reps = cleaned.pop("reps")
    if rule_id is None:
        rule = AssignmentRule(**cleaned)
        last = AssignmentRule.objects.aggregate(m=Max("priority"))["m"]
        rule.priority = min((last or 0) + 10, 32_000)
        before: dict[str, Any] = {}
    else:
        rule = _rule(rule_id)
        before = _rule_snapshot(rule)
        for name, value in cleaned.items():
            setattr(rule, name, value)
    rule.save()
    rule.reps.set(reps)
    audit.record_change(
        actor=actor,
        area=ROUTING,
        obj=rule,
        action=Action.UPDATED if rule_id else Action.CREATED,
        before=before,
        after=_rule_snapshot(rule),
    )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: AbstractBaseUser, rule_id: int) -> None:
    require_manager(actor)
    rule = _rule(rule_id)
    audit.record_change(
        actor=actor, area=ROUTING, obj=rule, action=Action.DELETED, before=_rule_snapshot(rule)
    )
    rule.delete()


@transaction.atomic
def routing_rule_move(*, actor: AbstractBaseUser, rule_id: int, direction: str) -> None:
    """Move a rule one place up or down in the order the rotation tries them. The rules are
    renumbered 10, 20, 30... in their new order; each rule whose priority changed is audited."""
    require_manager(actor)
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": [_("Move a rule up or down.")]})
    rules = list(AssignmentRule.objects.select_for_update().order_by("priority", "id"))
    index = next((i for i, r in enumerate(rules) if r.pk == _int_or_none(rule_id)), None)
    if index is None:
        raise InvalidInput({"rule": [_("No such routing rule.")]})
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, rule in enumerate(rules, start=1):
        before = audit.snapshot(rule, ("priority",))
        if rule.priority == position * 10:
            continue
        rule.priority = position * 10
        rule.save(update_fields=["priority"])
        audit.record_change(
            actor=actor,
            area=ROUTING,
            obj=rule,
            action=Action.UPDATED,
            before=before,
            after=audit.snapshot(rule, ("priority",)),
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
