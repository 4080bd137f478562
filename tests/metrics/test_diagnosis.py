"""The diagnosis of alignment.md: LMDI contributions by hand, their sum, the null cases,
the default comparison range, the selector on the hand-computed history of conftest.py and
the API's field errors."""

import datetime as dt
import math
from decimal import Context, Decimal, localcontext

import pytest

from metrics import refresh
from metrics.diagnosis import (
    FACTOR_KEYS,
    decompose,
    default_comparison,
    headline,
    log_mean,
    revenue_diagnosis,
    rounded_contributions,
)
from tests.api.conftest import client_for

BASE = {
    "leads": 100,
    "mqls": 50,
    "accepted": 40,
    "opportunities": 20,
    "customers": 10,
    "revenue": Decimal("100000"),
}
URL = "/api/v1/kpis/diagnosis/"


def contributions(result: dict) -> dict[str, Decimal | None]:
    return {f["key"]: f["contribution"] for f in result["factors"]}


def exact_sum(values) -> Decimal:
    with localcontext(Context(prec=100)):
        return sum(values, Decimal(0))


# ---------------------------------------------------------------------------------------
# decompose: pure


def test_log_mean_of_equal_numbers_is_the_number_and_otherwise_the_formula():
    assert log_mean(Decimal(7), Decimal(7)) == 7
    got = log_mean(Decimal(300000), Decimal(100000))
    assert abs(float(got) - 200000 / math.log(3)) < 1e-6


def test_only_leads_changed_gets_the_whole_difference():
    # Given twice the leads and the same rates: revenue doubles
    current = {k: v * 2 for k, v in BASE.items()}
    # When
    result = decompose(current, BASE)
    # Then leads carries all 100000 and every rate 0
    got = contributions(result)
    assert result["difference"] == Decimal("100000")
    assert abs(got["leads"] - Decimal("100000")) < Decimal("1e-40")
    assert all(got[k] == 0 for k in FACTOR_KEYS if k != "leads")
    assert result["reason"] is None and result["reason_factor"] is None


def test_twice_the_leads_and_twice_the_deal_size_split_the_change_evenly():
    # Given leads 100 -> 200 and deal size 10000 -> 20000: revenue 100000 -> 400000;
    # L = 300000 / ln 4, each factor ln 2: 300000 x ln 2 / ln 4 = 150000 each
    current = {**{k: v * 2 for k, v in BASE.items()}, "revenue": Decimal("400000")}
    result = decompose(current, BASE)
    got = contributions(result)
    assert abs(got["leads"] - Decimal("150000")) < Decimal("1e-40")
    assert abs(got["avg_deal_size"] - Decimal("150000")) < Decimal("1e-40")
    assert rounded_contributions(result) == [
        Decimal("150000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("150000.00"),
    ]


def test_offsetting_factors_with_unchanged_revenue_use_l_of_a_a():
    # Given twice the leads but half the deal size: revenue unchanged, L(a, a) = a
    current = {**{k: v * 2 for k, v in BASE.items()}, "revenue": Decimal("100000")}
    result = decompose(current, BASE)
    got = contributions(result)
    assert result["difference"] == 0
    assert abs(float(got["leads"]) - 100000 * math.log(2)) < 1e-6  # +69314.72
    assert abs(float(got["avg_deal_size"]) + 100000 * math.log(2)) < 1e-6
    assert rounded_contributions(result)[0] == Decimal("69314.72")
    assert headline(result) == "Revenue did not change: $100,000 in both ranges."


def test_contributions_add_up_to_the_difference_on_an_uneven_history():
    # Given every factor moved, in both directions
    current = {
        "leads": 120,
        "mqls": 60,
        "accepted": 45,
        "opportunities": 20,
        "customers": 6,
        "revenue": Decimal("54000.00"),
    }
    result = decompose(current, BASE)
    got = contributions(result)
    # Then the exact contributions add up to the difference, and so do the cents
    assert abs(exact_sum(got.values()) - result["difference"]) < Decimal("1e-40")
    cents = rounded_contributions(result)
    assert sum(cents) == Decimal("-46000.00")
    # hand-computed: L = -46000 / ln(0.54); win rate 10/20 -> 6/20: L x ln(0.6)
    weight = -46000 / math.log(0.54)
    assert abs(float(got["opportunity_to_customer"]) - weight * math.log(0.6)) < 1e-6
    assert abs(float(got["leads"]) - weight * math.log(1.2)) < 1e-6
    assert got["lead_to_mql"] == 0
    assert headline(result) == "Revenue fell $46,000: mostly sales (win rate), -$38,135"


def test_rounded_contributions_are_nudged_to_reach_the_rounded_difference():
    # Given three equal thirds of 100.00 (33.333... each): half-up gives 99.99
    current = {
        "leads": 3,
        "mqls": 3,
        "accepted": 3,
        "opportunities": 3,
        "customers": 3,
        "revenue": Decimal("200"),
    }
    compare = {**current, "revenue": Decimal("100")}
    result = decompose(current, compare)
    assert sum(rounded_contributions(result)) == Decimal("100.00")


@pytest.mark.parametrize(
    ("side", "change", "factor", "problem"),
    [
        ("current", {"leads": 0, "mqls": 0}, "leads", "zero"),
        ("compare", {"mqls": 0}, "lead_to_mql", "zero"),
        ("current", {"accepted": 0}, "mql_to_accepted", "zero"),
        ("compare", {"customers": 0, "revenue": Decimal(0)}, "opportunity_to_customer", "zero"),
        ("current", {"opportunities": 0, "customers": 0}, "accepted_to_opportunity", "zero"),
        ("compare", {"leads": 0}, "leads", "zero"),
        ("current", {"mqls": 0}, "lead_to_mql", "zero"),
    ],
)
def test_a_zero_or_undefined_factor_makes_contributions_null_and_names_it(
    side, change, factor, problem
):
    current = {**BASE, **change} if side == "current" else dict(BASE)
    compare = {**BASE, **change} if side == "compare" else dict(BASE)
    result = decompose(current, compare)
    assert all(f["contribution"] is None for f in result["factors"])
    assert result["reason_factor"] == {"factor": factor, "range": side, "problem": problem}
    assert result["reason"]
    assert rounded_contributions(result) == [None] * 6


def test_an_undefined_factor_is_named_undefined():
    # Given no leads at all in the comparison range: leads is 0 there and lead_to_mql 0/0
    result = decompose(BASE, dict.fromkeys(BASE, 0))
    assert result["reason_factor"] == {"factor": "leads", "range": "compare", "problem": "zero"}
    # Given leads but no MQLs anywhere after: mql_to_accepted is 0/0 (undefined)
    later = {**BASE, "mqls": 0, "accepted": 0}
    got = decompose(BASE, later)["reason_factor"]
    assert got == {"factor": "lead_to_mql", "range": "compare", "problem": "zero"}
    values = {f["key"]: f["compare_value"] for f in decompose(BASE, later)["factors"]}
    assert values["mql_to_accepted"] is None


def test_headline_of_a_split_that_does_not_exist_says_why():
    # Given no handoff accepted in the range, and so no opportunity, customer or revenue
    nothing = {"accepted": 0, "opportunities": 0, "customers": 0, "revenue": Decimal(0)}
    result = decompose({**BASE, **nothing}, BASE)
    assert headline(result).startswith("Revenue fell $100,000. The acceptance of MQLs is 0")


def test_headline_names_the_factor_that_moved_revenue_in_its_direction():
    # Given leads fell by half (-) but deal size tripled (+): revenue up 50%
    current = {
        **{k: v // 2 for k, v in BASE.items() if k != "revenue"},
        "revenue": Decimal("150000"),
    }
    result = decompose(current, BASE)
    text = headline(result)
    assert text.startswith("Revenue rose $50,000: mostly sales (average deal size), +$")


def test_default_comparison_is_the_same_number_of_days_just_before():
    assert default_comparison(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == (
        dt.date(2026, 1, 4),
        dt.date(2026, 1, 31),
    )
    assert default_comparison(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == (
        dt.date(2026, 2, 28),
        dt.date(2026, 2, 28),
    )


# ---------------------------------------------------------------------------------------
# revenue_diagnosis: from the rollups of the hand-computed history

JAN = {"compare_start": dt.date(2026, 1, 1), "compare_end": dt.date(2026, 1, 31)}


@pytest.mark.django_db
def test_revenue_diagnosis_reads_both_ranges_from_the_rollups(history, django_assert_num_queries):
    # Given the history refreshed. Jan 1 - Feb 15: leads 9, mqls 8, accepted 4, opps 4,
    # customers 2 (O5, O1), revenue 14000; January: 6, 5, 4, 4, 1, 2000.
    refresh.recompute_all()
    # When (two summaries of four queries)
    with django_assert_num_queries(8):
        got = revenue_diagnosis(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 15), **JAN)
    # Then factors by hand: 9/6, (8/9)/(5/6), (4/8)/(4/5), 1, (2/4)/(1/4), 7000/2000
    values = {f["key"]: (f["value"], f["compare_value"]) for f in got["factors"]}
    assert values["leads"] == (9, 6)
    assert values["opportunity_to_customer"] == (Decimal("0.5"), Decimal("0.25"))
    assert values["avg_deal_size"] == (Decimal(7000), Decimal(2000))
    assert got["revenue"] == 14000 and got["compare_revenue"] == 2000
    assert got["difference"] == 12000
    weight = 12000 / math.log(7)
    expected = {
        "leads": math.log(1.5),
        "lead_to_mql": math.log((8 / 9) / (5 / 6)),
        "mql_to_accepted": math.log(0.5 / 0.8),
        "accepted_to_opportunity": 0.0,
        "opportunity_to_customer": math.log(2),
        "avg_deal_size": math.log(3.5),
    }
    for key, log in expected.items():
        assert abs(float(contributions(got)[key]) - weight * log) < 1e-6, key
    assert abs(exact_sum(contributions(got).values()) - 12000) < Decimal("1e-40")
    assert got["headline"] == "Revenue rose $12,000: mostly sales (average deal size), +$7,726"
    assert (got["compare_start"], got["compare_end"]) == (JAN["compare_start"], JAN["compare_end"])


@pytest.mark.django_db
def test_revenue_diagnosis_defaults_to_the_days_just_before_and_names_a_zero_factor(history):
    # Given February (no accepted handoff in February)
    refresh.recompute_all()
    got = revenue_diagnosis(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    assert (got["compare_start"], got["compare_end"]) == (dt.date(2026, 1, 4), dt.date(2026, 1, 31))
    assert got["reason_factor"] == {
        "factor": "mql_to_accepted",
        "range": "current",
        "problem": "zero",
    }
    assert all(f["contribution"] is None for f in got["factors"])
    assert got["revenue"] == 15000 and got["difference"] == 13000


@pytest.mark.django_db
def test_revenue_diagnosis_with_a_filter_and_its_errors(history, django_assert_num_queries):
    refresh.recompute_all()
    with django_assert_num_queries(6):  # no sales cost under a filter
        got = revenue_diagnosis(
            start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28), campaign=history.c1.pk, **JAN
        )
    assert got["revenue"] == 15000 and got["compare_revenue"] == 0
    assert got["reason_factor"] == {"factor": "leads", "range": "current", "problem": "zero"}
    with pytest.raises(ValueError, match="compare_start and compare_end"):
        revenue_diagnosis(
            start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28), compare_start=dt.date(2026, 1, 1)
        )
    with pytest.raises(ValueError):
        revenue_diagnosis(start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))
    with pytest.raises(ValueError):
        revenue_diagnosis(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 2), channel="fax")


# ---------------------------------------------------------------------------------------
# API


@pytest.mark.django_db
def test_api_answers_money_strings_and_rounded_values(history):
    refresh.recompute_all()
    r = client_for(history.a).get(
        URL,
        {
            "start": "2026-01-01",
            "end": "2026-02-15",
            "compare_start": "2026-01-01",
            "compare_end": "2026-01-31",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["revenue"], body["compare_revenue"], body["difference"]) == (
        "14000.00",
        "2000.00",
        "12000.00",
    )
    factors = {f["key"]: f for f in body["factors"]}
    assert factors["leads"]["value"] == 9 and factors["leads"]["owner"] == "marketing"
    assert (
        factors["lead_to_mql"]["value"] == 0.8889
        and factors["lead_to_mql"]["compare_value"] == 0.8333
    )
    assert factors["mql_to_accepted"]["owner"] == "handoff"
    assert factors["avg_deal_size"]["value"] == "7000.00"
    assert factors["avg_deal_size"]["contribution"] == "7725.51"
    assert sum(Decimal(f["contribution"]) for f in body["factors"]) == Decimal("12000.00")
    assert body["reason"] is None and body["compare_start"] == "2026-01-01"
    assert body["headline"].startswith("Revenue rose $12,000")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"end": "2026-02-28"}, "start"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        (
            {"start": "2026-02-01", "end": "2026-02-28", "compare_start": "2026-01-01"},
            "compare_end",
        ),
        (
            {"start": "2026-02-01", "end": "2026-02-28", "compare_end": "2026-01-31"},
            "compare_start",
        ),
        (
            {
                "start": "2026-02-01",
                "end": "2026-02-28",
                "compare_start": "2026-01-31",
                "compare_end": "2026-01-01",
            },
            "compare_end",
        ),
        (
            {
                "start": "2026-02-01",
                "end": "2026-02-28",
                "compare_start": "1900-01-01",
                "compare_end": "2026-01-01",
            },
            "compare_start",
        ),
        (
            {
                "start": "2026-02-01",
                "end": "2026-02-28",
                "compare_start": "soon",
                "compare_end": "2026-01-01",
            },
            "compare_start",
        ),
        ({"start": "2026-02-01", "end": "2026-02-28", "channel": "fax"}, "channel"),
        (
            {"start": "2026-02-01", "end": "2026-02-28", "campaign": 1, "owner": 2},
            "non_field_errors",
        ),
    ],
)
def test_api_bad_input_answers_400_with_field_errors(manager, query, field):
    r = client_for(manager).get(URL, query)
    assert r.status_code == 400, r.content
    assert field in r.json(), r.json()


@pytest.mark.django_db
def test_api_refuses_anonymous_callers_and_is_in_the_schema(manager):
    from rest_framework.test import APIClient

    assert APIClient().get(URL, {"start": "2026-02-01", "end": "2026-02-28"}).status_code in (
        401,
        403,
    )
    schema = client_for(manager).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "/api/v1/kpis/diagnosis/" in text and "KpiDiagnosis" in text
