"""Writes of the alignment app: plans (the preview computes the same answer and saves
nothing), agreements (managers only) and the digest preference.

Every refusal is a `leads.errors` error (`ActionNotAllowed`, `InvalidInput` with field
errors); nothing is written when one is raised."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alignment import planner
from alignment.answers import format_answer
from alignment.models import Agreement, DigestPreference, Plan
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Channel
from leads.roles import MANAGER, has_role
from metrics import dateranges, rates
from metrics import services as metric_services

LOOKBACK_DAYS = 180
RANGE_MESSAGES = {
    dateranges.OUT_OF_BOUNDS: "Give a day from 1990-01-01 to 2100-12-31.",
    dateranges.END_BEFORE_START: "The end may not be before the start.",
    dateranges.TOO_LONG: f"At most {dateranges.MAX_RANGE_DAYS} days.",
}
# The targets a saved plan writes: target metric -> its figure in the answer.
PLAN_TARGETS: dict[str, str] = {
    "leads": "leads",
    "mqls": "mqls",
    "opportunities": "opportunities",
    "customers": "customers",
    "revenue": "revenue_goal",
    "marketing_spend": "marketing_budget",
}


def default_lookback(today: dt.date) -> tuple[dt.date, dt.date]:
    """The 180 days that end yesterday."""
    return today - dt.timedelta(days=LOOKBACK_DAYS), today - dt.timedelta(days=1)


def _range_errors(start: dt.date, end: dt.date, names: tuple[str, str]) -> dict[str, list[str]]:
    problem = dateranges.range_problem(start, end)
    if problem is None:
        return {}
    field, code = problem
    return {names[0] if field == "start" else names[1]: [RANGE_MESSAGES[code]]}


def _decimal_map(values: Mapping[str, Any] | None) -> dict[str, Decimal]:
    return {str(k): Decimal(str(v)) for k, v in (values or {}).items()}


def plan_answer(
    *,
    name: str,
    start: dt.date,
    end: dt.date,
    revenue_goal: Decimal,
    lookback_start: dt.date | None = None,
    lookback_end: dt.date | None = None,
    overrides: Mapping[str, Any] | None = None,
    channel_mix: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The planner's JSON answer for these inputs (alignment.md), reading the measured
    rates of the look-back. Raises InvalidInput (field errors, or a planner.RateProblem
    with code missing_rate / zero_rate)."""
    today = today or timezone.localdate()
    if lookback_start is None or lookback_end is None:
        default_start, default_end = default_lookback(today)
        lookback_start = lookback_start or default_start
        lookback_end = lookback_end or default_end
    try:
        goal = Decimal(str(revenue_goal))
        overrides_d = _decimal_map(overrides)
        mix = _decimal_map(channel_mix)
    except ArithmeticError:
        raise InvalidInput(
            {"non_field_errors": ["Enter numbers for the goal, overrides and mix."]}
        ) from None
    errors = {
        **_range_errors(start, end, ("start", "end")),
        **_range_errors(lookback_start, lookback_end, ("lookback_start", "lookback_end")),
    }
    if not name or not str(name).strip():
        errors["name"] = ["Give the plan a name."]
    try:
        planner.check_inputs(
            start=start,
            end=end,
            revenue_goal=goal,
            overrides=overrides_d,
            channel_mix=mix,
            channels=set(Channel.values),
        )
    except InvalidInput as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise InvalidInput(errors)
    lookback = {"start": lookback_start, "end": lookback_end}
    measured = rates.funnel_rates(**lookback)
    by_channel = {
        channel: rates.funnel_rates(**lookback, channel=channel)["cost_per_lead"] for channel in mix
    }
    data = planner.PlanInput(
        start=start,
        end=end,
        revenue_goal=goal,
        rates={k: planner.Rate(r["numerator"], r["denominator"]) for k, r in measured.items()},
        overrides=overrides_d,
        channel_mix=mix,
        channel_cost_per_lead={
            c: planner.Rate(r["numerator"], r["denominator"]) for c, r in by_channel.items()
        },
    )
    result = planner.compute(data)
    return format_answer(
        inputs={
            "name": str(name).strip(),
            "start": start,
            "end": end,
            "revenue_goal": goal,
            "lookback_start": lookback_start,
            "lookback_end": lookback_end,
            "overrides": overrides_d,
            "channel_mix": mix,
        },
        result=result,
    )


def plan_preview(**inputs: Any) -> dict[str, Any]:
    """What the plan would need; saves nothing (same arguments as plan_answer)."""
    return plan_answer(**inputs)


def spread_over_months(
    total: Decimal, start: dt.date, end: dt.date, *, unit: Decimal
) -> dict[dt.date, Decimal]:
    """`total` over the months start..end touches, in proportion to their days in the period.

    Whole `unit`s only (1 for counts, 0.01 for money), by largest remainder: each month gets
    its share rounded down, and the units left over go one each to the months with the
    largest remainders (the earlier month on a tie), so the shares add up to the total.
    """
    days_total = (end - start).days + 1
    units = int(total / unit)
    exact: dict[dt.date, Fraction] = {}
    month = start.replace(day=1)
    while month <= end:
        following = dateranges.add_months(month, 1)
        first, last = max(month, start), min(following - dt.timedelta(days=1), end)
        exact[month] = Fraction(units * ((last - first).days + 1), days_total)
        month = following
    shares = {m: math.floor(v) for m, v in exact.items()}
    left = units - sum(shares.values())
    for m in sorted(exact, key=lambda m: (-(exact[m] - shares[m]), m))[:left]:
        shares[m] += 1
    return {m: n * unit for m, n in shares.items()}


@transaction.atomic
def plan_create(*, actor: AbstractBaseUser, today: dt.date | None = None, **inputs: Any) -> Plan:
    """Save a plan and write its needed figures as the period's overall targets (spread over
    the months it touches by days; an existing target of those months is replaced).

    Managers only (ActionNotAllowed otherwise). All or nothing: a refusal writes nothing.
    """
    if not has_role(actor, MANAGER):
        raise ActionNotAllowed("Only managers save plans.")
    answer = plan_answer(today=today, **inputs)
    plan = Plan.objects.create(
        name=answer["name"],
        start=inputs["start"],
        end=inputs["end"],
        revenue_goal=Decimal(answer["revenue_goal"]),
        lookback_start=dt.date.fromisoformat(answer["lookback_start"]),
        lookback_end=dt.date.fromisoformat(answer["lookback_end"]),
        overrides=answer["overrides"],
        channel_mix=answer["channel_mix"],
        answer=answer,
        created_by=actor,
    )
    figures = {**answer["needed"], "revenue_goal": answer["revenue_goal"]}
    for metric, key in PLAN_TARGETS.items():
        unit = Decimal("0.01") if metric in ("revenue", "marketing_spend") else Decimal(1)
        total = Decimal(str(figures[key]))
        for month, value in spread_over_months(total, plan.start, plan.end, unit=unit).items():
            metric_services.target_set(actor=actor, month=month, metric=metric, value=value)
    return plan


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
