"""Template filters for numbers in the user's locale: money, percentages, ratings, hours."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()

EMPTY = "—"


def _locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def _number(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: object, currency: str = "") -> str:
    """`1234.5` -> `$1,234.50` (en) or `1.234,50 US$` (es); None -> an em dash."""
    amount = _number(value)
    if amount is None:
        return EMPTY
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format_currency(amount, currency or settings.CURRENCY, locale=_locale())


@register.filter
def percent(value: object) -> str:
    """A fraction 0..1 -> `45.7%` in the locale; None (no denominator) -> an em dash."""
    ratio = _number(value)
    if ratio is None:
        return EMPTY
    locale = _locale()
    return format_percent(ratio, format=_percent_pattern(locale), locale=locale)


def _percent_pattern(locale: str) -> str:
    """The locale's percent pattern with one decimal (`#,##0.0 %` in es, `#,##0.0%` in en)."""
    pattern = Locale.parse(locale).percent_formats[None].pattern
    head, zero, tail = pattern.rpartition("0")
    return f"{head}{zero}.0{tail}" if zero else pattern


@register.filter
def decimal(value: object, places: int = 1) -> str:
    """A plain number with `places` decimals, grouped for the locale."""
    number = _number(value)
    if number is None:
        return EMPTY
    places = int(places)
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(number, format=pattern, locale=_locale())


@register.filter
def integer(value: object) -> str:
    number = _number(value)
    if number is None:
        return EMPTY
    return format_decimal(number, format="#,##0", locale=_locale())
