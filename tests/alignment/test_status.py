"""The agreement's status rules of alignment.md, as pure functions, on hand-computed numbers.

A 30-day agreement (April 2026): marketing commits to 300 MQLs at most 50.00 each; sales to
80% SLA compliance, 90% of handoffs answered and at most 8 response hours on average.
"""

import datetime as dt
from decimal import Decimal

from alignment import status as rules

START, END = dt.date(2026, 4, 1), dt.date(2026, 4, 30)
COMMITMENTS = {
    "mqls": 300,
    "max_cost_per_mql": Decimal("50.00"),
    "min_sla_compliance": Decimal("0.8"),
    "min_answered_share": Decimal("0.9"),
    "max_avg_response_hours": Decimal("8"),
}
GOOD = {
    "mqls": 100,
    "cost_per_mql": Decimal("45"),
    "sla_compliance_rate": Decimal("0.85"),
    "answered_share": Decimal("0.95"),
    "avg_response_hours": Decimal("6.5"),
}


def status(as_of: dt.date, actuals: dict, commitments: dict = COMMITMENTS) -> dict:
    return rules.agreement_status(
        start=START, end=END, as_of=as_of, commitments=commitments, actuals=actuals
    )


def test_mid_period_counts_are_prorated_and_projected_by_day() -> None:
    # Given day 10 of 30 and 100 MQLs measured (expected 300 x 10 / 30 = 100)
    # When the status is computed
    got = status(dt.date(2026, 4, 10), GOOD)
    # Then the count is exactly on pace, projected 100 x 30 / 10 = 300 >= 300
    assert (got["elapsed_days"], got["total_days"]) == (10, 30)
    mqls = got["commitments"]["mqls"]
    assert mqls["expected_to_date"] == 100
    assert mqls["projected"] == 300
    assert mqls["status"] == "on_track"
    assert got["verdict"] == {"marketing": "on_track", "sales": "on_track"}


def test_one_mql_short_of_pace_is_behind() -> None:
    # Given 99 MQLs on day 10 (projected 297 < 300)
    got = status(dt.date(2026, 4, 10), {**GOOD, "mqls": 99})
    # Then marketing is behind, sales is not
    assert got["commitments"]["mqls"]["status"] == "behind"
    assert got["commitments"]["mqls"]["projected"] == Decimal("297")
    assert got["verdict"] == {"marketing": "behind", "sales": "on_track"}


def test_a_maximum_is_kept_at_equality_and_broken_above_it() -> None:
    # Given cost per MQL exactly at the maximum, and response hours just above theirs
    got = status(
        dt.date(2026, 4, 10),
        {**GOOD, "cost_per_mql": Decimal("50.00"), "avg_response_hours": Decimal("8.0001")},
    )
    # Then the cost is on track (<=), the hours are behind; projection of a maximum = actual
    cost = got["commitments"]["max_cost_per_mql"]
    assert cost["status"] == "on_track"
    assert cost["expected_to_date"] == Decimal("50.00")
    assert cost["projected"] == Decimal("50.00")
    assert got["commitments"]["max_avg_response_hours"]["status"] == "behind"
    assert got["verdict"] == {"marketing": "on_track", "sales": "behind"}


def test_a_minimum_is_kept_at_equality_and_broken_below_it() -> None:
    # Given SLA compliance exactly 0.8 and 71% answered against 90% agreed
    got = status(
        dt.date(2026, 4, 10),
        {**GOOD, "sla_compliance_rate": Decimal("0.8"), "answered_share": Decimal("0.71")},
    )
    assert got["commitments"]["min_sla_compliance"]["status"] == "on_track"
    assert got["commitments"]["min_answered_share"]["status"] == "behind"
    assert got["verdict"]["sales"] == "behind"


def test_on_the_last_day_statuses_read_met_and_missed() -> None:
    # Given the last day: 300 MQLs (met) and 85% answered against 90% (missed)
    got = status(END, {**GOOD, "mqls": 300, "answered_share": Decimal("0.85")})
    # Then the period is whole and the statuses are final
    assert got["elapsed_days"] == 30
    assert got["commitments"]["mqls"]["status"] == "met"
    assert got["commitments"]["mqls"]["projected"] == 300
    assert got["commitments"]["mqls"]["expected_to_date"] == 300
    assert got["commitments"]["min_answered_share"]["status"] == "missed"
    assert got["verdict"] == {"marketing": "met", "sales": "missed"}


def test_after_the_end_the_period_stays_whole() -> None:
    # Given a date long after the end, 299 MQLs over the whole period
    got = status(dt.date(2026, 6, 1), {**GOOD, "mqls": 299})
    # Then elapsed stops at the total and the count is missed
    assert got["elapsed_days"] == got["total_days"] == 30
    assert got["commitments"]["mqls"]["status"] == "missed"
    assert got["verdict"] == {"marketing": "missed", "sales": "met"}


def test_before_the_start_everything_is_no_data() -> None:
    # Given the day before the start (even with actuals passed in)
    got = status(dt.date(2026, 3, 31), GOOD)
    # Then nothing has elapsed, no actual is read and both sides have no data
    assert got["elapsed_days"] == 0
    for row in got["commitments"].values():
        assert row["status"] == "no_data"
        assert row["actual"] is None
        assert row["projected"] is None
    assert got["commitments"]["mqls"]["expected_to_date"] == 0
    assert got["verdict"] == {"marketing": "no_data", "sales": "no_data"}


def test_a_null_actual_is_no_data_and_does_not_decide_the_side() -> None:
    # Given no MQL yet (cost per MQL undefined) and no handoff to answer
    got = status(
        dt.date(2026, 4, 10),
        {**GOOD, "mqls": 0, "cost_per_mql": None, "answered_share": None},
    )
    # Then cost per MQL and answered share have no data; 0 MQLs is a real count (behind)
    assert got["commitments"]["max_cost_per_mql"]["status"] == "no_data"
    assert got["commitments"]["min_answered_share"]["status"] == "no_data"
    assert got["commitments"]["mqls"]["status"] == "behind"
    assert got["verdict"] == {"marketing": "behind", "sales": "on_track"}


def test_a_side_with_every_commitment_without_data_is_no_data() -> None:
    got = status(
        dt.date(2026, 4, 10),
        {**GOOD, "sla_compliance_rate": None, "answered_share": None, "avg_response_hours": None},
    )
    assert got["verdict"] == {"marketing": "on_track", "sales": "no_data"}


def test_only_the_commitments_the_agreement_sets_are_answered() -> None:
    # Given an agreement without the two optional commitments
    commitments = {**COMMITMENTS, "max_cost_per_mql": None, "max_avg_response_hours": None}
    got = status(dt.date(2026, 4, 10), GOOD, commitments)
    assert set(got["commitments"]) == {"mqls", "min_sla_compliance", "min_answered_share"}


def test_the_api_format_rounds_ratios_and_keeps_counts_whole() -> None:
    # Given day 7 of 30: expected 300 x 7 / 30 = 70, projected 71 x 30 / 7 = 304.2857...
    got = rules.format_status(status(dt.date(2026, 4, 7), {**GOOD, "mqls": 71}))
    mqls = got["commitments"]["mqls"]
    assert mqls == {
        "committed": 300,
        "actual": 71,
        "expected_to_date": 70.0,
        "projected": 304.2857,
        "status": "on_track",
    }
    assert got["commitments"]["max_cost_per_mql"]["committed"] == "50.00"
    assert got["commitments"]["max_cost_per_mql"]["actual"] == "45.00"
    assert got["commitments"]["min_sla_compliance"]["actual"] == 0.85
    assert got["as_of"] == "2026-04-07"


def test_the_verdict_in_words() -> None:
    from alignment import wording

    # Given day 10: MQLs on pace, 71% of handoffs answered against 90% agreed
    got = status(dt.date(2026, 4, 10), {**GOOD, "answered_share": Decimal("0.71")})
    # Then the sentence names the side behind and the figures
    assert wording.verdict_sentence(got) == (
        "Marketing is on track; sales is behind on answering handoffs: "
        "71% answered against 90% agreed."
    )
    # And after the end, with two of marketing's commitments missed
    final = status(END, {**GOOD, "mqls": 250, "cost_per_mql": Decimal("55.2")})
    assert wording.verdict_sentence(final) == (
        "Marketing missed its commitments on MQLs: 250 against 300 agreed and cost per MQL: "
        "$55.20 against at most $50.00 agreed; sales met its commitments."
    )
    assert wording.verdict_sentence(status(dt.date(2026, 3, 1), GOOD)) == (
        "Marketing has no data yet; sales has no data yet."
    )


def test_the_figures_follow_the_reader_language() -> None:
    from django.utils import translation

    from alignment import wording

    with translation.override("es"):
        assert wording.value("min_answered_share", Decimal("0.905")) == "90,5\xa0%"
        assert wording.value("min_sla_compliance", Decimal("0.9")) == "90\xa0%"
        assert "50,00" in wording.value("max_cost_per_mql", Decimal("50"))
