"""The agreement's status rules of alignment.md, as pure functions (no database).

`agreement_status` takes the agreement's dates and commitments and the actuals measured over
`start..min(as_of, end)`, and answers `{as_of, elapsed_days, total_days, commitments,
verdict}` with unrounded values; `format_status` rounds them for the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# Each commitment's field, its kind, the side that owns it and the KPI its actual is.
COUNT, MAXIMUM, MINIMUM = "count", "maximum", "minimum"
MARKETING, SALES = "marketing", "sales"
COMMITMENTS: dict[str, dict[str, str]] = {
    "mqls": {"kind": COUNT, "side": MARKETING, "actual": "mqls", "format": "count"},
    "max_cost_per_mql": {
        "kind": MAXIMUM,
        "side": MARKETING,
        "actual": "cost_per_mql",
        "format": "money",
    },
    "min_sla_compliance": {
        "kind": MINIMUM,
        "side": SALES,
        "actual": "sla_compliance_rate",
        "format": "rate",
    },
    "min_answered_share": {
        "kind": MINIMUM,
        "side": SALES,
        "actual": "answered_share",
        "format": "rate",
    },
    "max_avg_response_hours": {
        "kind": MAXIMUM,
        "side": SALES,
        "actual": "avg_response_hours",
        "format": "hours",
    },
}
FIELDS: tuple[str, ...] = tuple(COMMITMENTS)
SIDES: dict[str, tuple[str, ...]] = {
    side: tuple(f for f, spec in COMMITMENTS.items() if spec["side"] == side)
    for side in (MARKETING, SALES)
}
# The KPI keys the actuals must hold (see alignment.selectors.agreement_actuals).
ACTUAL_KEYS: tuple[str, ...] = tuple(spec["actual"] for spec in COMMITMENTS.values())

ON_TRACK, BEHIND, MET, MISSED, NO_DATA = "on_track", "behind", "met", "missed", "no_data"
STATUSES = (ON_TRACK, BEHIND, MET, MISSED, NO_DATA)


def total_days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def elapsed_days(start: dt.date, end: dt.date, as_of: dt.date) -> int:
    """Days from `start` to `min(as_of, end)` inclusive; 0 before the start."""
    if as_of < start:
        return 0
    return (min(as_of, end) - start).days + 1


def measured_range(start: dt.date, end: dt.date, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """The range the actuals are read over: `start..min(as_of, end)`; None before the start."""
    if as_of < start:
        return None
    return start, min(as_of, end)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def commitment_status(
    field: str, committed: Any, actual: Any, *, elapsed: int, total: int, ended: bool
) -> dict[str, Any]:
    """One commitment: `{committed, actual, expected_to_date, projected, status}`.

    Counts are compared exactly (`actual x total >= committed x elapsed`, no rounding). For a
    maximum or a minimum the expected value to date is the committed value itself: a rate or
    a cost applies on every day of the period.
    """
    kind = COMMITMENTS[field]["kind"]
    goal = _dec(committed)
    now = _dec(actual)
    assert goal is not None
    if kind == COUNT:
        expected: Decimal | None = goal * elapsed / total
        projected = None if now is None or elapsed == 0 else now * total / elapsed
    else:
        expected = goal
        projected = now
    if now is None or elapsed == 0:
        status = NO_DATA
    else:
        if kind == COUNT:
            ahead = now * total >= goal * elapsed
        elif kind == MAXIMUM:
            ahead = now <= goal
        else:
            ahead = now >= goal
        status = {(True, True): MET, (True, False): MISSED, (False, True): ON_TRACK}.get(
            (ended, ahead), BEHIND
        )
    return {
        "committed": goal,
        "actual": now,
        "expected_to_date": expected,
        "projected": projected,
        "status": status,
    }


def side_verdict(statuses: list[str], *, ended: bool) -> str:
    """`behind`/`missed` when any commitment is, `no_data` when all are, else `on_track`/`met`."""
    if any(s in (BEHIND, MISSED) for s in statuses):
        return MISSED if ended else BEHIND
    if all(s == NO_DATA for s in statuses):
        return NO_DATA
    return MET if ended else ON_TRACK


def agreement_status(
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    commitments: Mapping[str, Any],
    actuals: Mapping[str, Any],
) -> dict[str, Any]:
    """The status of alignment.md for the commitments the agreement sets (None: not set).

    `actuals` maps the KPI keys of ACTUAL_KEYS to their values over the measured range (any
    missing key reads as null).
    """
    total = total_days(start, end)
    elapsed = elapsed_days(start, end, as_of)
    ended = as_of >= end
    rows: dict[str, dict[str, Any]] = {}
    for field in FIELDS:
        committed = commitments.get(field)
        if committed is None:
            continue
        actual = actuals.get(COMMITMENTS[field]["actual"]) if elapsed else None
        rows[field] = commitment_status(
            field, committed, actual, elapsed=elapsed, total=total, ended=ended
        )
    verdict = {
        side: side_verdict([rows[f]["status"] for f in fields if f in rows], ended=ended)
        for side, fields in SIDES.items()
    }
    return {
        "as_of": as_of,
        "elapsed_days": elapsed,
        "total_days": total,
        "commitments": rows,
        "verdict": verdict,
    }


_CENT = Decimal("0.01")
_PLACES = Decimal("0.0001")


def _format(kind: str, value: Decimal | None, *, whole: bool) -> Any:
    if value is None:
        return None
    if kind == "money":
        return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))
    if kind == "count" and whole:
        return int(value)
    return float(value.quantize(_PLACES, rounding=ROUND_HALF_UP))


def format_status(status: Mapping[str, Any]) -> dict[str, Any]:
    """The status as the API shows it: money as strings with two places, counts as integers
    (expected and projected counts are ratios: numbers rounded to 4 places), rates and hours
    rounded to 4 places."""
    rows = {}
    for field, row in status["commitments"].items():
        kind = COMMITMENTS[field]["format"]
        rows[field] = {
            "committed": _format(kind, row["committed"], whole=True),
            "actual": _format(kind, row["actual"], whole=True),
            "expected_to_date": _format(kind, row["expected_to_date"], whole=False),
            "projected": _format(kind, row["projected"], whole=False),
            "status": row["status"],
        }
    return {
        "as_of": status["as_of"].isoformat(),
        "elapsed_days": status["elapsed_days"],
        "total_days": status["total_days"],
        "commitments": rows,
        "verdict": dict(status["verdict"]),
    }
