"""The one set of bounds on every date, time and amount that reaches a KPI rollup.

Checked once, in the services (a 400 with field errors, nothing written), and held by the
database too (CheckConstraint on the models, with the fixed bounds only: the database
cannot know "today"). The rollup columns are sized so that a day's total of entries at
`MAX_AMOUNT` cannot overflow them (see `metrics.models.ROLLUP_MONEY`).

- Cost dates (campaign cost, sales cost): `FIRST_DATE` .. one year after today in
  settings.TIME_ZONE (the same calendar day next year); the database holds
  `FIRST_DATE` .. `LAST_DATE`.
- Amounts (costs, opportunity amounts): 0 .. `MAX_AMOUNT`, two decimals.
- Times of facts (a lead's creation, a move's backfilled `at`): not before `FIRST_TIME`
  and not in the future; the database holds `FIRST_TIME` .. `LAST_TIME`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.errors import InvalidInput
from leads.spread import MAX_SPAN_DAYS

FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
FIRST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LAST_TIME = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)
MAX_AMOUNT = Decimal("9999999999.99")

# What a form says when the database's share of a bound refuses a row.
DATE_MESSAGE = gettext_lazy("Give a date from 2000-01-01 to 2100-12-31.")
AMOUNT_MESSAGE = gettext_lazy("Give an amount from 0 to 9,999,999,999.99.")


def one_year_after(day: dt.date) -> dt.date:
    """The same calendar day a year later (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def latest_cost_date() -> dt.date:
    return min(one_year_after(timezone.localdate()), LAST_DATE)


def cost_date_errors(date: dt.date | None, field: str = "date") -> dict[str, list[str]]:
    """Field errors of a cost entry's date: {} when it is inside the window."""
    if date is None:
        return {}
    last = latest_cost_date()
    if not FIRST_DATE <= date <= last:
        return {
            field: [
                _("Give a date from %(first)s to %(last)s.")
                % {"first": FIRST_DATE.isoformat(), "last": last.isoformat()}
            ]
        }
    return {}


def amount_errors(amount: Decimal | None, field: str = "amount") -> dict[str, list[str]]:
    """Field errors of an amount of money: {} when it is 0 .. MAX_AMOUNT."""
    if amount is None:
        return {}
    if not Decimal("0") <= amount <= MAX_AMOUNT:
        return {
            field: [
                _("Give an amount from 0 to %(max)s.") % {"max": f"{MAX_AMOUNT:,}"},
            ]
        }
    return {}


def period_errors(
    date: dt.date | None, end_date: dt.date | None, field: str = "end_date"
) -> dict[str, list[str]]:
    """Field errors of a cost entry's optional end date: on or after `date`, inside the
    window, at most MAX_SPAN_DAYS days in all (both ends included)."""
    if end_date is None or date is None:
        return {}
    if end_date < date:
        return {field: [_("The end date may not be before the date.")]}
    if (end_date - date).days + 1 > MAX_SPAN_DAYS:
        return {
            field: [_("A cost entry may cover at most %(days)s days.") % {"days": MAX_SPAN_DAYS}]
        }
    return cost_date_errors(end_date, field)


def check_cost(
    *, date: dt.date | None, amount: Decimal | None, end_date: dt.date | None = None
) -> None:
    """Refuse a cost entry whose date, end date or amount is out of bounds (InvalidInput)."""
    errors = {**cost_date_errors(date), **period_errors(date, end_date), **amount_errors(amount)}
    if errors:
        raise InvalidInput(errors)


def time_errors(at: dt.datetime, field: str = "at") -> dict[str, list[str]]:
    """Field errors of a fact's time (aware): {} when it is FIRST_TIME .. now."""
    if at < FIRST_TIME:
        return {
            field: [_("Give a time from %(first)s on.") % {"first": FIRST_TIME.date().isoformat()}]
        }
    if at > timezone.now():
        return {field: [_("A backfilled time may not be in the future.")]}
    return {}


# --- the database's share: fixed bounds only ------------------------------------------


def date_in_window(field: str) -> Q:
    return Q(**{f"{field}__gte": FIRST_DATE, f"{field}__lte": LAST_DATE})


def time_in_window(field: str, *, nullable: bool = False) -> Q:
    q = Q(**{f"{field}__gte": FIRST_TIME, f"{field}__lt": LAST_TIME})
    return Q(**{f"{field}__isnull": True}) | q if nullable else q


def amount_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_AMOUNT})
