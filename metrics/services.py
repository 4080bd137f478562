"""Writes of the metrics app: the shared targets (rollups are written by metrics.refresh)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from leads.audit import record_change
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Channel
from metrics.models import Target, TargetMetric

RATE_TARGETS = frozenset({TargetMetric.SLA_COMPLIANCE_RATE})
COUNT_TARGETS = frozenset(
    {TargetMetric.LEADS, TargetMetric.MQLS, TargetMetric.OPPORTUNITIES, TargetMetric.CUSTOMERS}
)


def _clean_value(metric: str, value: Decimal | int | float | str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput({"value": ["Enter a number."]}) from exc
    if not number.is_finite() or number < 0:
        raise InvalidInput({"value": ["The target must be a number of 0 or more."]})
    if metric in RATE_TARGETS and number > 1:
        raise InvalidInput({"value": ["A rate target is a fraction between 0 and 1."]})
    if metric in COUNT_TARGETS and number != number.to_integral_value():
        raise InvalidInput({"value": ["A count target must be a whole number."]})
    if number >= Decimal("1e12"):
        raise InvalidInput({"value": ["The target must be less than 1,000,000,000,000."]})
    return number


@transaction.atomic
def target_set(
    *,
    actor: AbstractBaseUser,
    month: dt.date,
    metric: str,
    value: Decimal | int | float | str,
    channel: str | None = None,
    owner: int | None = None,
) -> Target:
    """Create or replace the target of a metric for a month: overall, for one channel, or
    for one rep (`owner`, a user id; a rep's customers and revenue are their quota)."""
    if not actor.has_perm("metrics.change_target") or not actor.has_perm("metrics.add_target"):
        raise ActionNotAllowed("Only managers set targets.")
    if metric not in TargetMetric.values:
        raise InvalidInput({"metric": [f"Unknown metric {metric!r}."]})
    if channel is not None and channel not in Channel.values:
        raise InvalidInput({"channel": [f"Unknown channel {channel!r}."]})
    if channel is not None and owner is not None:
        raise InvalidInput({"owner": ["A target is for a channel or for a rep, not both."]})
    if owner is not None and not get_user_model().objects.filter(pk=owner).exists():
        raise InvalidInput({"owner": ["Unknown rep."]})
    number = _clean_value(metric, value)
    month = month.replace(day=1)
    target = (
        Target.objects.select_for_update()
        .filter(month=month, metric=metric, channel=channel, owner_id=owner)
        .first()
    )
    action = "updated" if target else "created"
    before = {"value": target.value} if target else {}
    if target is None:
        target = Target(month=month, metric=metric, channel=channel, owner_id=owner)
    # stored with the column's 4 places, so the audit compares like with like
    target.value = number.quantize(Decimal("0.0001"))
    target.updated_by = actor
    try:
        target.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict) from None
    target.save()
    record_change(
        actor=actor,
        area="targets",
        obj=target,
        action=action,
        before=before,
        after={"value": target.value},
    )
    return target


def _record_removed(actor: AbstractBaseUser, targets: list[Target]) -> int:
    for target in targets:
        record_change(
            actor=actor,
            area="targets",
            obj=target,
            action="deleted",
            before={"value": target.value},
        )
    return len(targets)


@transaction.atomic
def target_delete(*, actor: AbstractBaseUser, target_id: int) -> None:
    if not actor.has_perm("metrics.delete_target"):
        raise ActionNotAllowed("Only managers delete targets.")
    removed = list(Target.objects.select_for_update().filter(pk=target_id))
    Target.objects.filter(pk__in=[t.pk for t in removed]).delete()
    _record_removed(actor, removed)


@transaction.atomic
def targets_save(
    *,
    actor: AbstractBaseUser,
    cells: dict[tuple[str, dt.date], str | Decimal | None],
    channel: str | None = None,
    owner: int | None = None,
) -> int:
    """Save a grid of targets for one scope (overall, a channel or a rep) at once.

    `cells` maps (metric, month) to a value; a blank value removes that month's target.
    All or nothing: every bad cell is reported, keyed `<metric>-<YYYY-MM>`, and nothing is
    written. Returns the number of cells written or removed.
    """
    if not actor.has_perm("metrics.change_target") or not actor.has_perm("metrics.add_target"):
        raise ActionNotAllowed("Only managers set targets.")
    errors: dict[str, list[str]] = {}
    changed = 0
    for (metric, month), value in cells.items():
        key = f"{metric}-{month:%Y-%m}"
        if value is None or str(value).strip() == "":
            removed = list(
                Target.objects.select_for_update().filter(
                    month=month.replace(day=1), metric=metric, channel=channel, owner_id=owner
                )
            )
            Target.objects.filter(pk__in=[t.pk for t in removed]).delete()
            changed += _record_removed(actor, removed)
            continue
        try:
            target_set(
                actor=actor, month=month, metric=metric, value=value, channel=channel, owner=owner
            )
            changed += 1
        except InvalidInput as exc:
            errors[key] = [m for messages in exc.errors.values() for m in messages]
    if errors:
        raise InvalidInput(errors)
    return changed
