"""Dashboard date range presets and the period each one is compared with (pure functions)."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LAST_30_DAYS = "last_30_days"
THIS_MONTH = "this_month"
LAST_MONTH = "last_month"
QUARTER = "quarter"
LAST_12_MONTHS = "last_12_months"
CUSTOM = "custom"

# The dashboard's first view: a range that means something on any day (on the 1st of a
# month, "this month" is one day).
DEFAULT_PRESET = LAST_30_DAYS
PRESET_CHOICES = [
    (LAST_30_DAYS, _("Last 30 days")),
    (THIS_MONTH, _("This month")),
    (LAST_MONTH, _("Last month")),
    (QUARTER, _("This quarter")),
    (LAST_12_MONTHS, _("Last 12 months")),
    (CUSTOM, _("Custom range")),
]

# The longest custom range the dashboard accepts (ten years of days), and the days a range
# may use (so that its comparison period and trend window stay valid dates).
MAX_RANGE_DAYS = 3660
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)


END_BEFORE_START = "end_before_start"
TOO_LONG = "too_long"
OUT_OF_BOUNDS = "out_of_bounds"


def range_problem(start: dt.date, end: dt.date) -> tuple[str, str] | None:
    """The one rule for a chosen date range, used by the dashboard, the campaign pages and
    the KPI API: `(field, problem)` for the first rule it breaks, None when it is valid.
    Each caller words the problem for its own readers."""
    for name, day in (("start", start), ("end", end)):
        if not EARLIEST <= day <= LATEST:
            return name, OUT_OF_BOUNDS
    if end < start:
        return "end", END_BEFORE_START
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        return "end", TOO_LONG
    return None


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _month_length(year, month)))


def _month_length(year: int, month: int) -> int:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - dt.timedelta(days=1)).day


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=_month_length(day.year, day.month))


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_period(preset: str, today: dt.date) -> Period:
    """The range a preset names, seen on `today`. Ranges that include today end today."""
    if preset == LAST_30_DAYS:
        return Period(today - dt.timedelta(days=29), today)
    if preset == THIS_MONTH:
        return Period(month_start(today), today)
    if preset == LAST_MONTH:
        last = month_start(today) - dt.timedelta(days=1)
        return Period(month_start(last), last)
    if preset == QUARTER:
        return Period(quarter_start(today), today)
    if preset == LAST_12_MONTHS:
        return Period(add_months(today, -12) + dt.timedelta(days=1), today)
    raise ValueError(f"not a preset with its own dates: {preset!r}")


def previous_period(period: Period, preset: str) -> Period:
    """The period a range is compared with.

    Calendar presets compare with the same stretch of the previous calendar unit: this month
    to date with the same days of last month, last month with the month before, this quarter
    to date with the same days of the previous quarter, the last 12 months with the 12 before.
    The last 30 days, and a custom range, compare with the range of the same length that
    ends the day before it.
    """
    if preset in (THIS_MONTH, LAST_MONTH):
        months = 1
    elif preset == QUARTER:
        months = 3
    elif preset == LAST_12_MONTHS:
        months = 12
    else:
        end = period.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=period.days - 1), end)
    start = add_months(period.start, -months)
    if preset == LAST_MONTH:
        return Period(start, month_end(start))
    end = min(add_months(period.end, -months), period.start - dt.timedelta(days=1))
    return Period(start, end)


def trend_window(end: dt.date) -> Period:
    """The twelve calendar months that end with the month of `end` (for the monthly charts)."""
    return Period(add_months(month_start(end), -11), end)


DAY, WEEK, MONTH = "day", "week", "month"
# The longest range each trend interval is used for (days, both ends included).
DAILY_UP_TO = 62
WEEKLY_UP_TO = 186


def trend_interval(period: Period) -> str:
    """The trend's interval for a range: days up to about two months, weeks up to about six
    months, months beyond."""
    if period.days <= DAILY_UP_TO:
        return DAY
    if period.days <= WEEKLY_UP_TO:
        return WEEK
    return MONTH
