"""The planner's answer as JSON (alignment.md): money as strings, rates and days to 4 places."""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from alignment import planner

PLACES = Decimal("0.0001")


def _decimal(value: Fraction | Decimal | int) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def rate_value(key: str, value: Any) -> Any:
    """A rate's value for JSON: money (avg_deal_size, cost_per_lead) a string with two
    places, fractions and days a number rounded half-up to 4 places."""
    if value is None:
        return None
    if key in planner.MONEY_KEYS or key.startswith("cost_per_lead:"):
        return str(planner.money(Fraction(value) if not isinstance(value, Decimal) else value))
    return float(_decimal(value).quantize(PLACES, rounding=ROUND_HALF_UP))


def _part(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in planner.MONEY_KEYS or key.startswith("cost_per_lead:"):
        return str(planner.money(Decimal(value)))
    if key == "avg_lead_to_win_days":
        return float(Decimal(value).quantize(PLACES, rounding=ROUND_HALF_UP))
    return int(value)


def _rate(key: str, rate: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "value": rate_value(key, rate["value"]),
        "source": rate["source"],
        "numerator": _part(key, rate["numerator"]),
        "denominator": None if rate["denominator"] is None else int(rate["denominator"]),
    }


def _text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def format_answer(*, inputs: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    needed = dict(result["needed"])
    needed["marketing_budget"] = str(needed["marketing_budget"])
    if "budget_by_channel" in needed:
        needed["budget_by_channel"] = {c: str(v) for c, v in needed["budget_by_channel"].items()}
    return {
        "name": inputs["name"],
        "start": inputs["start"].isoformat(),
        "end": inputs["end"].isoformat(),
        "revenue_goal": str(planner.money(inputs["revenue_goal"])),
        "lookback_start": inputs["lookback_start"].isoformat(),
        "lookback_end": inputs["lookback_end"].isoformat(),
        "overrides": {k: str(v) for k, v in inputs["overrides"].items()},
        "channel_mix": {k: str(v) for k, v in inputs["channel_mix"].items()},
        "rates": {key: _rate(key, rate) for key, rate in result["rates"].items()},
        "channel_rates": {
            c: _rate(f"cost_per_lead:{c}", rate) for c, rate in result["channel_rates"].items()
        },
        "needed": needed,
        "leads_from": _text(result["leads_from"]),
        "leads_until": _text(result["leads_until"]),
    }
