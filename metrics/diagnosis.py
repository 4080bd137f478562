"""The diagnosis: which part of the funnel moved revenue between two ranges.

Revenue is the product of six factors, all period counts of one range (alignment.md):
`leads x (mqls / leads) x (accepted / mqls) x (opportunities / accepted) x
(customers / opportunities) x (revenue / customers)`. Marketing owns `leads` and
`lead_to_mql`, the handoff `mql_to_accepted`, sales the other three.

The change in revenue is split with the log-mean Divisia index (LMDI):
`contribution = L(revenue, compare_revenue) x ln(value / compare_value)`, with
`L(a, b) = (a - b) / (ln a - ln b)` and `L(a, a) = a`. Because the logs of the factors
add up to the log of revenue, the contributions add up to the difference exactly (here:
to within 1e-40, computed in 60-digit decimals). When a factor is 0 or undefined in
either range (no leads, no customers, ...) the split does not exist: the contributions
are null and `reason` says which factor.

`decompose` is pure; `revenue_diagnosis` reads the counts from the rollups through
`metrics.selectors.kpi_summary` (two summaries: eight queries at most) and adds the
headline sentence.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _

from metrics import kpis
from metrics.selectors import kpi_summary

MARKETING, HANDOFF, SALES = "marketing", "handoff", "sales"
OWNERS: tuple[str, ...] = (MARKETING, HANDOFF, SALES)
# (key, owner, numerator count, denominator count); `leads` has no denominator.
FACTORS: tuple[tuple[str, str, str, str | None], ...] = (
    ("leads", MARKETING, "leads", None),
    ("lead_to_mql", MARKETING, "mqls", "leads"),
    ("mql_to_accepted", HANDOFF, "accepted", "mqls"),
    ("accepted_to_opportunity", SALES, "opportunities", "accepted"),
    ("opportunity_to_customer", SALES, "customers", "opportunities"),
    ("avg_deal_size", SALES, "revenue", "customers"),
)
FACTOR_KEYS: tuple[str, ...] = tuple(f[0] for f in FACTORS)
FACTOR_OWNER: dict[str, str] = {f[0]: f[1] for f in FACTORS}
COUNTS: tuple[str, ...] = ("leads", "mqls", "accepted", "opportunities", "customers", "revenue")
FACTOR_LABELS = {
    "leads": gettext_lazy("leads"),
    "lead_to_mql": gettext_lazy("lead-to-MQL rate"),
    "mql_to_accepted": gettext_lazy("acceptance of MQLs"),
    "accepted_to_opportunity": gettext_lazy("accepted-to-opportunity rate"),
    "opportunity_to_customer": gettext_lazy("win rate"),
    "avg_deal_size": gettext_lazy("average deal size"),
}
OWNER_LABELS = {
    MARKETING: gettext_lazy("marketing"),
    HANDOFF: gettext_lazy("handoff"),
    SALES: gettext_lazy("sales"),
}
RANGE_LABELS = {
    "current": gettext_lazy("the range"),
    "compare": gettext_lazy("the comparison range"),
}
_PRECISION = Context(prec=60)
CENT = kpis.CENT


def _factor_values(counts: Mapping[str, Any]) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {}
    with localcontext(_PRECISION):  # the logs of the factors must add up to revenue's
        for key, _owner, numerator, denominator in FACTORS:
            top = Decimal(counts.get(numerator) or 0)
            if denominator is None:
                values[key] = top
            else:
                values[key] = kpis.ratio(top, Decimal(counts.get(denominator) or 0))
    return values


def log_mean(a: Decimal, b: Decimal) -> Decimal:
    """L(a, b) = (a - b) / (ln a - ln b), and L(a, a) = a; a and b > 0."""
    with localcontext(_PRECISION):
        if a == b:
            return +a
        return (a - b) / (a.ln() - b.ln())


def _missing(
    current: dict[str, Decimal | None], compare: dict[str, Decimal | None]
) -> dict[str, str] | None:
    """The first factor (in funnel order) that is 0 or undefined in either range."""
    for key in FACTOR_KEYS:
        for side, values in (("current", current), ("compare", compare)):
            value = values[key]
            if value is None or value <= 0:
                return {
                    "factor": key,
                    "range": side,
                    "problem": "undefined" if value is None else "zero",
                }
    return None


def reason_text(missing: Mapping[str, str]) -> str:
    """'The win rate is undefined in the comparison range, so ...' in the active language."""
    params = {
        "factor": FACTOR_LABELS[missing["factor"]],
        "range": RANGE_LABELS[missing["range"]],
    }
    if missing["problem"] == "undefined":
        return (
            _(
                "The %(factor)s is undefined in %(range)s (its denominator is 0), so revenue "
                "cannot be split by factor."
            )
            % params
        )
    return _("The %(factor)s is 0 in %(range)s, so revenue cannot be split by factor.") % params


def decompose(current: Mapping[str, Any], compare: Mapping[str, Any]) -> dict[str, Any]:
    """The LMDI split of revenue between two ranges from their period counts.

    `current` and `compare` hold `leads`, `mqls`, `accepted`, `opportunities`,
    `customers` (ints) and `revenue` (Decimal). Returns `revenue`, `compare_revenue`,
    `difference` (Decimal), `factors` (one `{key, owner, value, compare_value,
    contribution}` per factor, unrounded Decimals, None where undefined), `reason` (None,
    or a sentence naming the factor that makes the split impossible) and `reason_factor`
    (None, or `{factor, range, problem}` with problem `zero` or `undefined`).
    """
    revenue = Decimal(current.get("revenue") or 0)
    compare_revenue = Decimal(compare.get("revenue") or 0)
    values, compare_values = _factor_values(current), _factor_values(compare)
    missing = _missing(values, compare_values)
    contributions: dict[str, Decimal | None] = dict.fromkeys(FACTOR_KEYS)
    if missing is None:
        weight = log_mean(revenue, compare_revenue)
        with localcontext(_PRECISION):
            for key in FACTOR_KEYS:
                now, before = values[key], compare_values[key]
                assert now is not None and before is not None
                contributions[key] = weight * (now / before).ln() if now != before else Decimal(0)
    return {
        "revenue": revenue,
        "compare_revenue": compare_revenue,
        "difference": revenue - compare_revenue,
        "factors": [
            {
                "key": key,
                "owner": FACTOR_OWNER[key],
                "value": values[key],
                "compare_value": compare_values[key],
                "contribution": contributions[key],
            }
            for key in FACTOR_KEYS
        ],
        "reason": None if missing is None else reason_text(missing),
        "reason_factor": missing,
    }


def rounded_contributions(result: Mapping[str, Any]) -> list[Decimal | None]:
    """The contributions half-up to cents, then nudged by a cent where needed (largest
    rounding error first) so that they add up to the rounded difference: a waterfall
    whose bars do not reach the total is not one a finance reader trusts."""
    raw = [f["contribution"] for f in result["factors"]]
    if any(c is None for c in raw):
        return [None] * len(raw)
    cents = [c.quantize(CENT, rounding=ROUND_HALF_UP) for c in raw]
    target = Decimal(result["difference"]).quantize(CENT, rounding=ROUND_HALF_UP)
    gap = target - sum(cents, Decimal(0))
    step = CENT if gap > 0 else -CENT
    # the bars whose rounding moved them furthest away from the side the gap points to
    order = sorted(range(len(raw)), key=lambda i: (cents[i] - raw[i]) * step)
    for i in order[: int(abs(gap) / CENT)]:
        cents[i] += step
    return cents


def _whole_money(amount: Decimal) -> str:
    """Money without cents in the active language's format: `$12,400`, `-$9,100`."""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    pattern = pattern.replace(".00", "").replace(",00", "")
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return format_currency(
        whole, settings.CURRENCY, format=pattern, locale=locale, currency_digits=False
    )


def _signed_money(amount: Decimal) -> str:
    text = _whole_money(amount)
    return text if amount < 0 else f"+{text}"


def main_factor(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """The factor that moved revenue most in the direction it moved (None without a
    split or without a change)."""
    difference = Decimal(result["difference"])
    candidates = [
        f
        for f in result["factors"]
        if f["contribution"] is not None and f["contribution"] * difference > 0
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda f: abs(f["contribution"]))


def headline(result: Mapping[str, Any]) -> str:
    """One sentence: how revenue moved and which factor moved it most, e.g.
    'Revenue fell $12,400: mostly sales (win rate), -$9,100'."""
    difference = Decimal(result["difference"])
    amount = _whole_money(abs(difference))
    if difference.quantize(Decimal(1), rounding=ROUND_HALF_UP) == 0:
        return _("Revenue did not change: %(revenue)s in both ranges.") % {
            "revenue": _whole_money(Decimal(result["revenue"]))
        }
    moved = (_("Revenue rose %(amount)s") if difference > 0 else _("Revenue fell %(amount)s")) % {
        "amount": amount
    }
    factor = main_factor(result)
    if factor is None:
        return _("%(moved)s. %(reason)s") % {"moved": moved, "reason": result["reason"] or ""}
    return _("%(moved)s: mostly %(owner)s (%(factor)s), %(contribution)s") % {
        "moved": moved,
        "owner": OWNER_LABELS[factor["owner"]],
        "factor": FACTOR_LABELS[factor["key"]],
        "contribution": _signed_money(factor["contribution"]),
    }


def default_comparison(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The same number of days just before `start`."""
    days = (end - start).days + 1
    compare_end = start - dt.timedelta(days=1)
    return compare_end - dt.timedelta(days=days - 1), compare_end


def revenue_diagnosis(
    *,
    start: dt.date,
    end: dt.date,
    compare_start: dt.date | None = None,
    compare_end: dt.date | None = None,
    campaign: int | None = None,
    channel: str | None = None,
    owner: int | None = None,
) -> dict[str, Any]:
    """The diagnosis of alignment.md between start..end and the comparison range (default:
    the same number of days just before start), with one optional filter: `start`, `end`,
    `compare_start`, `compare_end`, everything `decompose` answers (unrounded Decimals) and
    `headline`. Raises ValueError on a bad range or filter (like kpi_summary)."""
    if (compare_start is None) != (compare_end is None):
        raise ValueError("give both compare_start and compare_end, or neither")
    if compare_start is None or compare_end is None:
        if start > end:
            raise ValueError(f"start ({start}) must not be after end ({end})")
        compare_start, compare_end = default_comparison(start, end)
    scope = {"campaign": campaign, "channel": channel, "owner": owner}
    current = kpi_summary(start=start, end=end, **scope)
    compare = kpi_summary(start=compare_start, end=compare_end, **scope)
    result = decompose(current, compare)
    return {
        "start": current["start"],
        "end": current["end"],
        "compare_start": compare["start"],
        "compare_end": compare["end"],
        **result,
        "headline": headline(result),
    }
