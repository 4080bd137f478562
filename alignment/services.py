"""Writes of the alignment app: agreements (managers only) and the digest preference.

Every refusal is a `leads.errors` error (`ActionNotAllowed`, `InvalidInput` with field
errors); nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from alignment.models import Agreement, DigestPreference
from leads.errors import ActionNotAllowed, InvalidInput
from leads.roles import MANAGER, has_role

REQUIRED = ("start", "end", "mqls", "min_sla_compliance", "min_answered_share")
OPTIONAL = ("max_cost_per_mql", "max_avg_response_hours")
WRITABLE = REQUIRED + OPTIONAL
MAX_MQLS = 10_000_000
MAX_MONEY = Decimal("9999999999.99")
MAX_HOURS = Decimal("999999.99")
MAX_DAYS = 3660  # ten years, like every KPI range


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _clean(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The agreement's fields checked one by one: (clean values, field errors)."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field in ("start", "end"):
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            errors[field] = [_("Give a date (YYYY-MM-DD).")]
        else:
            clean[field] = value
    if "mqls" in data:
        value = data["mqls"]
        if isinstance(value, bool) or not isinstance(value, int | str):
            value = None
        try:
            count = int(value) if value is not None else None
        except ValueError:
            count = None
        if count is None or count < 1 or count > MAX_MQLS:
            errors["mqls"] = [
                _("Give a whole number of MQLs from 1 to %(max)s.") % {"max": MAX_MQLS}
            ]
        else:
            clean["mqls"] = count
    for field in ("min_sla_compliance", "min_answered_share"):
        if field not in data:
            continue
        number = _decimal(data[field])
        if number is None or not (0 < number <= 1) or _places(number) > 4:
            errors[field] = [
                _("Give a fraction above 0 and at most 1 (0.9 is 90%), with at most 4 decimals.")
            ]
        else:
            clean[field] = number
    for field, top in (("max_cost_per_mql", MAX_MONEY), ("max_avg_response_hours", MAX_HOURS)):
        if field not in data:
            continue
        if data[field] is None or data[field] == "":
            clean[field] = None
            continue
        number = _decimal(data[field])
        if number is None or not (0 < number <= top) or _places(number) > 2:
            errors[field] = [_("Give a number above 0 with at most 2 decimals, or leave it empty.")]
        else:
            clean[field] = number
    return clean, errors


def _check_period(
    start: dt.date, end: dt.date, *, exclude_id: int | None, errors: dict[str, list[str]]
) -> None:
    if end < start:
        errors.setdefault("end", []).append(_("The last day cannot be before the first day."))
        return
    if (end - start).days + 1 > MAX_DAYS:
        errors.setdefault("end", []).append(
            _("An agreement covers at most %(days)s days.") % {"days": MAX_DAYS}
        )
        return
    overlapping = Agreement.objects.filter(start__lte=end, end__gte=start)
    if exclude_id is not None:
        overlapping = overlapping.exclude(pk=exclude_id)
    other = overlapping.order_by("start").first()
    if other is not None:
        errors.setdefault("start", []).append(
            _(
                "This period overlaps the agreement of %(start)s to %(end)s: "
                "one agreement at a time."
            )
            % {"start": other.start.isoformat(), "end": other.end.isoformat()}
        )


def _require_manager(actor: AbstractBaseUser) -> None:
    if not has_role(actor, MANAGER):
        raise ActionNotAllowed("Only managers may write agreements.")


@transaction.atomic
def agreement_create(*, actor: AbstractBaseUser, **data: Any) -> Agreement:
    """A new agreement between the teams. Periods of two agreements never overlap."""
    _require_manager(actor)
    unknown = sorted(set(data) - set(WRITABLE))
    clean, errors = _clean({k: v for k, v in data.items() if k in WRITABLE})
    for field in unknown:
        errors[field] = [_("Unknown field.")]
    for field in REQUIRED:
        if field not in data or data[field] in (None, ""):
            errors[field] = [_("This field is required.")]
    if "start" in clean and "end" in clean:
        _check_period(clean["start"], clean["end"], exclude_id=None, errors=errors)
    if errors:
        raise InvalidInput(errors)
    return Agreement.objects.create(created_by=actor, **clean)


@transaction.atomic
def agreement_update(*, agreement_id: int, actor: AbstractBaseUser, **data: Any) -> Agreement:
    """Change some fields of an agreement (Agreement.DoesNotExist when there is none)."""
    _require_manager(actor)
    agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
    unknown = sorted(set(data) - set(WRITABLE))
    clean, errors = _clean({k: v for k, v in data.items() if k in WRITABLE})
    for field in unknown:
        errors[field] = [_("Unknown field.")]
    for field in REQUIRED:
        if field in data and data[field] in (None, ""):
            errors[field] = [_("This field is required.")]
    start = clean.get("start", agreement.start)
    end = clean.get("end", agreement.end)
    if "start" not in errors and "end" not in errors:
        _check_period(start, end, exclude_id=agreement.pk, errors=errors)
    if errors:
        raise InvalidInput(errors)
    for field, value in clean.items():
        setattr(agreement, field, value)
    agreement.save()
    return agreement


def digest_set_subscribed(*, user: AbstractBaseUser, subscribed: bool) -> DigestPreference:
    """Opt the user in or out of the weekly digest."""
    preference, _created = DigestPreference.objects.update_or_create(
        user_id=user.pk, defaults={"subscribed": bool(subscribed)}
    )
    return preference
