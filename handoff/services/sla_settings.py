"""SLA policies by score band and the weekly business-hours calendar, as managers edit them
in the app: validated (bands of active policies never overlap, hours above zero, opening
intervals ordered and apart) and audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from handoff.models import BusinessHours, ScoreKind, SLAPolicy
from handoff.services.team import require_manager
from leads import audit
from leads.errors import InvalidInput

SLA = "sla"
CALENDAR = "business_hours"
POLICY_FIELDS = (
    "name",
    "score_kind",
    "min_score",
    "max_score",
    "response_hours",
    "business_hours",
    "remind_at_percent",
    "auto_reassign",
    "max_auto_reassignments",
    "active",
)
HOURS_FIELDS = ("weekday", "opens", "closes")
Action = audit.SettingChange.Action


def _int(errors: dict[str, list[str]], values: dict[str, Any], name: str, low: int, high: int):
    try:
        value = int(values.get(name))
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        errors[name] = [
            _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": f"{high:,}"}
        ]
    return value


def _clean_policy(values: dict[str, Any], *, exclude_pk: int | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the policy a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    kind = values.get("score_kind") or ScoreKind.MANUAL
    if kind not in ScoreKind.values:
        errors["score_kind"] = [_("Choose the manual or the predicted score.")]
    low = _int(errors, values, "min_score", 0, 100)
    high = _int(errors, values, "max_score", 0, 100)
    hours = _int(errors, values, "response_hours", 1, 10_000)
    if "response_hours" in errors:
        errors["response_hours"] = [_("The response time is a whole number of hours above 0.")]
    remind = _int(errors, values, "remind_at_percent", 1, 99)
    limit = _int(errors, values, "max_auto_reassignments", 0, 100)
    if low is not None and high is not None and low > high and "max_score" not in errors:
        errors["max_score"] = [_("The band's maximum score is below its minimum.")]
    active = bool(values.get("active", True))
    business_hours = bool(values.get("business_hours"))
    if business_hours and not BusinessHours.objects.exists():
        errors["business_hours"] = [
            _("The business-hours calendar is empty: add opening hours first.")
        ]
    if active and not errors:
        overlap = (
            SLAPolicy.objects.filter(
                active=True, score_kind=kind, min_score__lte=high, max_score__gte=low
            )
            .exclude(pk=exclude_pk)
            .order_by("min_score")
            .first()
        )
        if overlap is not None:
            errors["min_score"] = [
                _("Scores %(low)s-%(high)s overlap the active policy “%(name)s”.")
                % {"low": overlap.min_score, "high": overlap.max_score, "name": overlap.name}
            ]
    if errors:
        raise InvalidInput(errors)
    return {
        "name": name,
        "score_kind": kind,
        "min_score": low,
        "max_score": high,
        "response_hours": hours,
        "business_hours": business_hours,
        "remind_at_percent": remind,
        "auto_reassign": bool(values.get("auto_reassign")),
        "max_auto_reassignments": limit,
        "active": active,
    }


@transaction.atomic
def sla_policy_save(
    *, actor: AbstractBaseUser, values: dict[str, Any], policy_id: int | None = None
) -> SLAPolicy:
    """Create (no `policy_id`) or edit an SLA policy. The table is locked so that two
    managers saving overlapping bands at once cannot both pass the overlap check."""
    require_manager(actor)
    list(SLAPolicy.objects.select_for_update().values_list("pk", flat=True))
    policy = SLAPolicy() if policy_id is None else _policy(policy_id)
    before = audit.snapshot(policy, POLICY_FIELDS) if policy_id else {}
    for name, value in _clean_policy(values, exclude_pk=policy_id).items():
        setattr(policy, name, value)
    policy.save()
    audit.record_change(
        actor=actor,
        area=SLA,
        obj=policy,
        action=Action.UPDATED if policy_id else Action.CREATED,
        before=before,
        after=audit.snapshot(policy, POLICY_FIELDS),
    )
    return policy


def _policy(policy_id: Any) -> SLAPolicy:
    try:
        return SLAPolicy.objects.select_for_update().get(pk=int(policy_id))
    except (SLAPolicy.DoesNotExist, TypeError, ValueError):
        raise InvalidInput({"policy": [_("No such SLA policy.")]}) from None


@transaction.atomic
def sla_policy_delete(*, actor: AbstractBaseUser, policy_id: int) -> None:
    """Delete a policy; handoffs that used it keep their due times (their link is cleared)."""
    require_manager(actor)
    policy = _policy(policy_id)
    before = audit.snapshot(policy, POLICY_FIELDS)
    audit.record_change(actor=actor, area=SLA, obj=policy, action=Action.DELETED, before=before)
    policy.delete()


def _clean_hours(values: dict[str, Any], *, exclude_pk: int | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    try:
        weekday = int(values.get("weekday"))
    except (TypeError, ValueError):
        weekday = -1
    if not 0 <= weekday <= 6:
        errors["weekday"] = [_("Choose a day of the week.")]
    opens, closes = values.get("opens"), values.get("closes")
    if not isinstance(opens, dt.time):
        errors["opens"] = [_("Give the opening time.")]
    if not isinstance(closes, dt.time):
        errors["closes"] = [_("Give the closing time.")]
    if not errors and opens >= closes:
        errors["closes"] = [_("The closing time must be after the opening time.")]
    if not errors:
        clash = (
            BusinessHours.objects.filter(weekday=weekday, opens__lt=closes, closes__gt=opens)
            .exclude(pk=exclude_pk)
            .first()
        )
        if clash is not None:
            errors["opens"] = [
                _("This overlaps the opening hours %(hours)s.") % {"hours": str(clash)}
            ]
    if errors:
        raise InvalidInput(errors)
    return {"weekday": weekday, "opens": opens, "closes": closes}


def _hours(hours_id: Any) -> BusinessHours:
    try:
        return BusinessHours.objects.select_for_update().get(pk=int(hours_id))
    except (BusinessHours.DoesNotExist, TypeError, ValueError):
        raise InvalidInput({"hours": [_("No such opening hours.")]}) from None


@transaction.atomic
def business_hours_save(
    *, actor: AbstractBaseUser, values: dict[str, Any], hours_id: int | None = None
) -> BusinessHours:
    """Add or edit one opening interval of the weekly calendar (no overlap on its day)."""
    require_manager(actor)
    list(BusinessHours.objects.select_for_update().values_list("pk", flat=True))
    row = BusinessHours() if hours_id is None else _hours(hours_id)
    before = audit.snapshot(row, HOURS_FIELDS) if hours_id else {}
    for name, value in _clean_hours(values, exclude_pk=hours_id).items():
        setattr(row, name, value)
    row.save()
    audit.record_change(
        actor=actor,
        area=CALENDAR,
        obj=row,
        action=Action.UPDATED if hours_id else Action.CREATED,
        before=before,
        after=audit.snapshot(row, HOURS_FIELDS),
    )
    return row


@transaction.atomic
def business_hours_delete(*, actor: AbstractBaseUser, hours_id: int) -> None:
    """Delete one opening interval; the last one goes only if no active policy counts
    business hours (their due times would silently become wall-clock hours)."""
    require_manager(actor)
    row = _hours(hours_id)
    others = BusinessHours.objects.exclude(pk=row.pk).exists()
    if not others and SLAPolicy.objects.filter(active=True, business_hours=True).exists():
        raise InvalidInput(
            {
                "hours": [
                    _(
                        "An active SLA policy counts business hours: "
                        "keep at least one opening interval."
                    )
                ]
            }
        )
    audit.record_change(
        actor=actor,
        area=CALENDAR,
        obj=row,
        action=Action.DELETED,
        before=audit.snapshot(row, HOURS_FIELDS),
    )
    row.delete()
