"""SLA due times: pure functions over wall-clock or business hours of a weekly calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

# weekday (Monday = 0) -> opening intervals (opens, closes) in local time
Calendar = Mapping[int, Sequence[tuple[dt.time, dt.time]]]


def calendar_from_rows(rows: Iterable[tuple[int, dt.time, dt.time]]) -> Calendar:
    calendar: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in rows:
        calendar.setdefault(weekday, []).append((opens, closes))
    for intervals in calendar.values():
        intervals.sort()
    return calendar


def due_at(
    handed_off_at: dt.datetime,
    hours: float,
    calendar: Calendar | None = None,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """When `hours` of response time have elapsed after `handed_off_at`.

    Without a calendar (or with an empty one) the hours are wall-clock hours. With one,
    only the opening intervals count, read in `tz` (the TIME_ZONE setting by default),
    so a lead handed off on Friday evening is due on Monday.
    """
    if not calendar or not any(calendar.values()):
        return handed_off_at + dt.timedelta(hours=hours)
    if tz is None:
        from django.utils import timezone

        tz = timezone.get_default_timezone()
    remaining = dt.timedelta(hours=hours)
    local = handed_off_at.astimezone(tz)
    day = local.date()
    # Seven empty days in a row cannot happen (the calendar has an interval), so this ends.
    while True:
        for opens, closes in calendar.get(day.weekday(), ()):
            start = _local(day, opens, tz)
            end = _local(day, closes, tz)
            start = max(start, local)
            if end <= start:
                continue
            if end - start >= remaining:
                return (start + remaining).astimezone(handed_off_at.tzinfo)
            remaining -= end - start
        day += dt.timedelta(days=1)


def remind_at(handed_off_at: dt.datetime, sla_due_at: dt.datetime, percent: int) -> dt.datetime:
    """The reminder time: `percent` of the way from the handoff to the due time."""
    return handed_off_at + (sla_due_at - handed_off_at) * percent / 100


def _local(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(tz, ZoneInfo):
        return dt.datetime.combine(day, at, tzinfo=tz)
    localize = getattr(tz, "localize", None)
    if localize is not None:  # pytz-style zones
        return localize(dt.datetime.combine(day, at))
    return dt.datetime.combine(day, at, tzinfo=tz)
