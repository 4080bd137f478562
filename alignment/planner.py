"""The reverse-funnel planner of alignment.md, as pure arithmetic (no I/O).

Every rate is an exact fraction (`fractions.Fraction` of the measured numerator and
denominator, or of the override's decimal), so each ceiling is exact: no rounding happens
before a ceiling. Money is rounded half-up to cents once, at the end.
"""

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from leads.errors import InvalidInput

RATE_KEYS: tuple[str, ...] = (
    "lead_to_mql",
    "mql_to_accepted",
    "accepted_to_opportunity",
    "win_rate",
    "avg_deal_size",
    "cost_per_lead",
    "avg_lead_to_win_days",
)
FRACTION_KEYS = frozenset({"lead_to_mql", "mql_to_accepted", "accepted_to_opportunity", "win_rate"})
MONEY_KEYS = frozenset({"avg_deal_size", "cost_per_lead"})
# The rates the goal is divided by: one of them at 0 means no number of leads reaches the goal.
DIVISOR_KEYS: tuple[str, ...] = (
    "avg_deal_size",
    "win_rate",
    "accepted_to_opportunity",
    "mql_to_accepted",
    "lead_to_mql",
)
MIX_TOLERANCE = Decimal("0.001")
# The largest figure a plan may need: what a target row can hold (metrics.Target.value).
MAX_FIGURE = 10**12 - 1
CENT = Decimal("0.01")
MAX_LAG_DAYS = 3660


class RateProblem(InvalidInput):
    """A rate the plan needs is missing (no data in the look-back) or zero: HTTP 400 with
    `{"code": "missing_rate" | "zero_rate", "rates": [keys]}`."""

    def __init__(self, code: str, rates: list[str]) -> None:
        self.code = code
        self.rates = rates
        why = "has no data in the look-back" if code == "missing_rate" else "is zero"
        super().__init__({"rates": rates}, f"{', '.join(rates)} {why}.")


@dataclass(frozen=True)
class Rate:
    """A measured rate: numerator / denominator (value None when the denominator is 0)."""

    numerator: Any
    denominator: Any

    @property
    def value(self) -> Fraction | None:
        if self.numerator is None or self.denominator in (None, 0):
            return None
        return Fraction(Decimal(self.numerator)) / Fraction(Decimal(self.denominator))


@dataclass
class PlanInput:
    start: dt.date
    end: dt.date
    revenue_goal: Decimal
    rates: Mapping[str, Rate]  # measured over the look-back, every key of RATE_KEYS
    overrides: Mapping[str, Decimal] = field(default_factory=dict)
    channel_mix: Mapping[str, Decimal] = field(default_factory=dict)
    # cost_per_lead measured with channel=c over the look-back, for each channel of the mix
    channel_cost_per_lead: Mapping[str, Rate] = field(default_factory=dict)


def money(value: Fraction | Decimal) -> Decimal:
    """Half-up to cents, exactly (a Fraction is never rounded through a float)."""
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    cents = Fraction(value) * 100
    whole = (
        math.floor(cents + Fraction(1, 2)) if cents >= 0 else -math.floor(-cents + Fraction(1, 2))
    )
    return (Decimal(whole) / 100).quantize(CENT)


def override_errors(overrides: Mapping[str, Any], channels: Mapping[str, Any] = ()) -> list[str]:
    """Messages for overrides that are unknown keys or outside their range."""
    problems = []
    channel_keys = {f"cost_per_lead:{c}" for c in channels}
    for key, raw in overrides.items():
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            problems.append(f"{key}: enter a number.")
            continue
        if key not in RATE_KEYS and key not in channel_keys:
            problems.append(f"{key}: not a rate that can be overridden.")
        elif not value.is_finite() or value <= 0:
            problems.append(f"{key}: must be more than 0.")
        elif key in FRACTION_KEYS and value > 1:
            problems.append(f"{key}: a rate is a fraction between 0 (excluded) and 1.")
        elif key == "avg_lead_to_win_days" and value > MAX_LAG_DAYS:
            problems.append(f"{key}: at most {MAX_LAG_DAYS} days.")
    return problems


def mix_errors(channel_mix: Mapping[str, Any], channels: frozenset[str] | set[str]) -> list[str]:
    problems = []
    total = Decimal(0)
    for channel, raw in channel_mix.items():
        if channel not in channels:
            problems.append(f"{channel}: unknown channel.")
            continue
        try:
            share = Decimal(str(raw))
        except ArithmeticError:
            problems.append(f"{channel}: enter a number.")
            continue
        if not share.is_finite() or share <= 0:
            problems.append(f"{channel}: a share must be more than 0.")
            continue
        total += share
    if channel_mix and not problems and abs(total - 1) > MIX_TOLERANCE:
        problems.append(f"The shares add up to {total}, not 1.")
    return problems


def check_inputs(
    *,
    start: dt.date,
    end: dt.date,
    revenue_goal: Decimal,
    overrides: Mapping[str, Any],
    channel_mix: Mapping[str, Any],
    channels: frozenset[str] | set[str],
) -> None:
    """Field errors (InvalidInput) for the inputs alone, before any rate is looked at."""
    errors: dict[str, list[str]] = {}
    if end < start:
        errors["end"] = ["The end may not be before the start."]
    if not revenue_goal.is_finite() or revenue_goal <= 0:
        errors["revenue_goal"] = ["The revenue goal must be more than 0."]
    if problems := override_errors(overrides, channel_mix):
        errors["overrides"] = problems
    if problems := mix_errors(channel_mix, channels):
        errors["channel_mix"] = problems
    if errors:
        raise InvalidInput(errors)


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


def effective_rates(data: PlanInput) -> dict[str, dict[str, Any]]:
    """{key: {value (Fraction | None), source, numerator, denominator}} for every rate."""
    out = {}
    for key in RATE_KEYS:
        measured = data.rates[key]
        if key in data.overrides:
            out[key] = {
                "value": Fraction(Decimal(str(data.overrides[key]))),
                "source": "override",
                "numerator": measured.numerator,
                "denominator": measured.denominator,
            }
        else:
            out[key] = {
                "value": measured.value,
                "source": "measured",
                "numerator": measured.numerator,
                "denominator": measured.denominator,
            }
    return out


def channel_rates(data: PlanInput) -> dict[str, dict[str, Any]]:
    out = {}
    for channel in data.channel_mix:
        measured = data.channel_cost_per_lead.get(channel, Rate(None, 0))
        key = f"cost_per_lead:{channel}"
        if key in data.overrides:
            value, source = Fraction(Decimal(str(data.overrides[key]))), "override"
        else:
            value, source = measured.value, "measured"
        out[channel] = {
            "value": value,
            "source": source,
            "numerator": measured.numerator,
            "denominator": measured.denominator,
        }
    return out


def compute(data: PlanInput) -> dict[str, Any]:
    """The reverse funnel: what the goal needs, with the rates used (exact values).

    Raises RateProblem (missing_rate before zero_rate) when a rate the answer uses has no
    data and no override, or is zero; InvalidInput when a figure is beyond what a target
    can hold. With a channel mix the overall cost_per_lead is shown but not used: the
    budget is the sum of each channel's leads times that channel's cost per lead.
    """
    rates = effective_rates(data)
    by_channel = channel_rates(data)
    used = [k for k in RATE_KEYS if not (data.channel_mix and k == "cost_per_lead")]
    missing = [k for k in used if rates[k]["value"] is None]
    missing += [f"cost_per_lead:{c}" for c, r in by_channel.items() if r["value"] is None]
    if missing:
        raise RateProblem("missing_rate", missing)
    zero = [k for k in DIVISOR_KEYS if rates[k]["value"] == 0]
    if zero:
        raise RateProblem("zero_rate", zero)
    value = {k: r["value"] for k, r in rates.items()}
    goal = Fraction(data.revenue_goal)
    customers = _ceil(goal / value["avg_deal_size"])
    opportunities = _ceil(customers / value["win_rate"])
    accepted = _ceil(opportunities / value["accepted_to_opportunity"])
    mqls = _ceil(accepted / value["mql_to_accepted"])
    leads = _ceil(mqls / value["lead_to_mql"])
    if leads > MAX_FIGURE:
        raise InvalidInput(
            {
                "revenue_goal": [
                    f"This goal needs {leads} leads at these rates: more than a plan can hold."
                ]
            }
        )
    needed: dict[str, Any] = {
        "customers": customers,
        "opportunities": opportunities,
        "accepted": accepted,
        "mqls": mqls,
        "leads": leads,
    }
    if data.channel_mix:
        leads_by_channel = {
            c: _ceil(leads * Fraction(Decimal(str(share)))) for c, share in data.channel_mix.items()
        }
        budget_by_channel = {
            c: money(n * by_channel[c]["value"]) for c, n in leads_by_channel.items()
        }
        needed["marketing_budget"] = sum(budget_by_channel.values(), Decimal("0.00"))
        needed["leads_by_channel"] = leads_by_channel
        needed["budget_by_channel"] = budget_by_channel
    else:
        needed["marketing_budget"] = money(leads * value["cost_per_lead"])
    if needed["marketing_budget"] > MAX_FIGURE:
        raise InvalidInput(
            {"revenue_goal": ["The budget this goal needs is more than a plan can hold."]}
        )
    lag = dt.timedelta(days=_ceil(value["avg_lead_to_win_days"]))
    return {
        "rates": rates,
        "channel_rates": by_channel,
        "needed": needed,
        "leads_from": data.start - lag,
        "leads_until": data.end - lag,
    }
