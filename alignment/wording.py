"""The agreement in words, in the current language: labels, values and the verdict sentence
("Marketing is on track; sales is behind on answering handoffs: 71% answered against 90%
agreed"). Used by the page and the weekly digest alike."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils.text import capfirst, get_text_list
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _

from alignment import status as rules

EMPTY = "—"

LABELS = {
    "mqls": gettext_lazy("MQLs"),
    "max_cost_per_mql": gettext_lazy("Cost per MQL, at most"),
    "min_sla_compliance": gettext_lazy("SLA compliance, at least"),
    "min_answered_share": gettext_lazy("Handoffs answered, at least"),
    "max_avg_response_hours": gettext_lazy("Average response time, at most"),
}
STATUS_LABELS = {
    rules.ON_TRACK: gettext_lazy("On track"),
    rules.BEHIND: gettext_lazy("Behind"),
    rules.MET: gettext_lazy("Met"),
    rules.MISSED: gettext_lazy("Missed"),
    rules.NO_DATA: gettext_lazy("No data yet"),
}
SIDE_LABELS = {rules.MARKETING: gettext_lazy("Marketing"), rules.SALES: gettext_lazy("Sales")}


def _locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def value(field: str, number: Any) -> str:
    """A commitment's value as people read it: a count, money, a percentage or hours."""
    if number is None:
        return EMPTY
    number = Decimal(str(number))
    kind = rules.COMMITMENTS[field]["format"]
    if kind == "count":
        return format_decimal(number.quantize(Decimal(1), ROUND_HALF_UP), "#,##0", locale=_locale())
    if kind == "money":
        amount = number.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return format_currency(amount, settings.CURRENCY, locale=_locale())
    if kind == "rate":
        locale = _locale()
        head, zero, tail = Locale.parse(locale).percent_formats[None].pattern.rpartition("0")
        return format_percent(number, f"{head}{zero}.#{tail}", locale=locale)
    hours = format_decimal(
        number.quantize(Decimal("0.1"), ROUND_HALF_UP), "#,##0.#", locale=_locale()
    )
    return _("%(hours)s h") % {"hours": hours}


def _shortfall(field: str, row: Mapping[str, Any]) -> str:
    """What a commitment that is behind or missed stands at, against what was agreed."""
    final = row["status"] == rules.MISSED
    shown = row["actual"] if final or field != "mqls" else row["projected"]
    params = {"actual": value(field, shown), "committed": value(field, row["committed"])}
    if field == "mqls":
        if final:
            return _("MQLs: %(actual)s against %(committed)s agreed") % params
        return _("MQLs: %(actual)s projected against %(committed)s agreed") % params
    if field == "max_cost_per_mql":
        return _("cost per MQL: %(actual)s against at most %(committed)s agreed") % params
    if field == "min_sla_compliance":
        return _("the SLA: %(actual)s on time against %(committed)s agreed") % params
    if field == "min_answered_share":
        return _("answering handoffs: %(actual)s answered against %(committed)s agreed") % params
    return _("response time: %(actual)s on average against at most %(committed)s agreed") % params


def side_sentence(side: str, status: Mapping[str, Any]) -> str:
    """One side's part of the verdict, starting in lower case."""
    verdict = status["verdict"][side]
    rows = status["commitments"]
    short = [
        _shortfall(f, rows[f])
        for f in rules.SIDES[side]
        if f in rows and rows[f]["status"] in (rules.BEHIND, rules.MISSED)
    ]
    items = get_text_list(short, _("and"))
    if side == rules.MARKETING:
        texts = {
            rules.ON_TRACK: _("marketing is on track"),
            rules.MET: _("marketing met its commitments"),
            rules.NO_DATA: _("marketing has no data yet"),
            rules.BEHIND: _("marketing is behind on %(items)s"),
            rules.MISSED: _("marketing missed its commitments on %(items)s"),
        }
    else:
        texts = {
            rules.ON_TRACK: _("sales is on track"),
            rules.MET: _("sales met its commitments"),
            rules.NO_DATA: _("sales has no data yet"),
            rules.BEHIND: _("sales is behind on %(items)s"),
            rules.MISSED: _("sales missed its commitments on %(items)s"),
        }
    text = texts[verdict]
    return text % {"items": items} if "%(items)s" in text else text


def verdict_sentence(status: Mapping[str, Any]) -> str:
    """Both sides in one sentence: "Marketing is on track; sales is behind on ..."."""
    parts = {side: side_sentence(side, status) for side in (rules.MARKETING, rules.SALES)}
    return capfirst(_("%(marketing)s; %(sales)s.") % parts)


def commitment_rows(status: Mapping[str, Any], side: str) -> list[dict[str, Any]]:
    """The side's commitments as the page and the digest show them."""
    rows = []
    for field in rules.SIDES[side]:
        row = status["commitments"].get(field)
        if row is None:
            continue
        rows.append(
            {
                "field": field,
                "label": LABELS[field],
                "kind": rules.COMMITMENTS[field]["kind"],
                "committed": value(field, row["committed"]),
                "actual": value(field, row["actual"]),
                "expected_to_date": value(field, row["expected_to_date"]),
                "projected": value(field, row["projected"]),
                "status": row["status"],
                "status_label": STATUS_LABELS[row["status"]],
            }
        )
    return rows
