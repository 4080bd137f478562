"""The agreement's actuals and status on the hand-computed history of tests/metrics/conftest.py.

Handoffs handed off in January: H1, H3a (reassigned), H3b, H4a (reassigned), H4b, H5, H9;
without the two reassigned, all five were answered (H4b accepted then rejected). February:
H2 (rejected), H6 (never answered), H10 (rejected): 2 of 3. Other January actuals (from
tests/metrics/test_hand_computed.py): 5 MQLs, 300.00 per MQL, SLA 5/6, 9.6 response hours;
January + February: 8 MQLs, 262.50, SLA 6/9, 76/7 hours.
"""

import datetime as dt
from decimal import Decimal

import pytest

from alignment import selectors, services
from handoff import selectors as handoff_selectors
from metrics import refresh
from tests.api.conftest import client_for
from tests.metrics.conftest import history, new_york  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.django_db

JAN_1, JAN_31, FEB_28 = dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2026, 2, 28)


@pytest.fixture
def rep_api(rep):
    return client_for(rep)


@pytest.fixture
def refreshed(history):  # noqa: F811
    refresh.refresh_dirty()
    return history


def test_answered_share_leaves_reassigned_handoffs_out(refreshed) -> None:
    assert handoff_selectors.answered_share(start=JAN_1, end=JAN_31) == {
        "handoffs": 5,
        "answered": 5,
        "share": Decimal(1),
    }
    feb = handoff_selectors.answered_share(start=dt.date(2026, 2, 1), end=FEB_28)
    assert (feb["handoffs"], feb["answered"]) == (3, 2)
    both = handoff_selectors.answered_share(start=JAN_1, end=FEB_28)
    assert both["share"] == Decimal("0.875")  # 7 of 8


def test_answered_share_counts_days_in_the_time_zone(refreshed) -> None:
    # H2 was handed off Feb 1 09:00 New York; nothing on Jan 31 itself
    assert handoff_selectors.answered_share(start=JAN_31, end=JAN_31)["handoffs"] == 0
    day = handoff_selectors.answered_share(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 1))
    assert (day["handoffs"], day["answered"]) == (1, 1)


def test_answered_share_is_null_without_handoffs(db) -> None:
    assert handoff_selectors.answered_share(start=JAN_1, end=JAN_31)["share"] is None


def test_actuals_read_the_kpis_and_the_answered_share(refreshed) -> None:
    actuals = selectors.agreement_actuals(start=JAN_1, end=JAN_31)
    assert actuals["mqls"] == 5
    assert actuals["cost_per_mql"] == Decimal("300")
    assert round(actuals["sla_compliance_rate"], 4) == Decimal("0.8333")
    assert actuals["avg_response_hours"] == Decimal("9.6")
    assert actuals["answered_share"] == 1


@pytest.fixture
def two_months(refreshed, manager):
    return services.agreement_create(
        actor=manager,
        start=JAN_1,
        end=FEB_28,
        mqls=10,
        max_cost_per_mql=Decimal("350"),
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
        max_avg_response_hours=Decimal("12"),
    )


def test_status_mid_period_on_the_history(two_months, django_assert_num_queries) -> None:
    # Given day 31 of 59: 5 MQLs against 10 x 31 / 59 expected, projected 5 x 59 / 31
    with django_assert_num_queries(5):
        got = selectors.agreement_status(agreement=two_months, as_of=JAN_31)
    assert (got["elapsed_days"], got["total_days"]) == (31, 59)
    mqls = got["commitments"]["mqls"]
    assert mqls["expected_to_date"] == Decimal(310) / 59
    assert mqls["projected"] == Decimal(295) / 31  # 9.52 < 10
    assert mqls["status"] == "behind"
    assert got["commitments"]["max_cost_per_mql"]["status"] == "on_track"  # 300 <= 350
    assert got["commitments"]["min_sla_compliance"]["status"] == "on_track"  # 0.8333
    assert got["commitments"]["min_answered_share"]["status"] == "on_track"  # 1.0
    assert got["commitments"]["max_avg_response_hours"]["status"] == "on_track"  # 9.6
    assert got["verdict"] == {"marketing": "behind", "sales": "on_track"}


def test_status_on_the_last_day_is_final(two_months) -> None:
    got = selectors.agreement_status(agreement=two_months, as_of=FEB_28)
    rows = got["commitments"]
    assert rows["mqls"]["actual"] == 8 and rows["mqls"]["status"] == "missed"
    assert rows["max_cost_per_mql"]["status"] == "met"  # 262.50
    assert rows["min_sla_compliance"]["status"] == "missed"  # 6/9
    assert rows["min_answered_share"]["actual"] == Decimal("0.875")
    assert rows["min_answered_share"]["status"] == "missed"
    assert rows["max_avg_response_hours"]["status"] == "met"  # 10.857
    assert got["verdict"] == {"marketing": "missed", "sales": "missed"}


def test_status_after_the_end_reads_the_whole_period(two_months) -> None:
    later = selectors.agreement_status(agreement=two_months, as_of=dt.date(2026, 3, 15))
    last_day = selectors.agreement_status(agreement=two_months, as_of=FEB_28)
    assert later["elapsed_days"] == 59
    assert later["commitments"] == last_day["commitments"]


def test_status_before_the_start_reads_nothing(two_months, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        got = selectors.agreement_status(agreement=two_months, as_of=dt.date(2025, 12, 31))
    assert got["verdict"] == {"marketing": "no_data", "sales": "no_data"}


def test_the_status_endpoint_formats_the_history(two_months, rep_api) -> None:
    body = rep_api.get(
        f"/api/v1/agreements/{two_months.pk}/status/", {"as_of": "2026-01-31"}
    ).json()
    assert body["commitments"]["mqls"] == {
        "committed": 10,
        "actual": 5,
        "expected_to_date": 5.2542,
        "projected": 9.5161,
        "status": "behind",
    }
    assert body["commitments"]["max_cost_per_mql"]["actual"] == "300.00"
    assert body["commitments"]["min_sla_compliance"]["actual"] == 0.8333


def test_current_agreement_prefers_the_running_one(manager) -> None:
    def make(start, end):
        return services.agreement_create(
            actor=manager,
            start=start,
            end=end,
            mqls=1,
            min_sla_compliance=Decimal("0.5"),
            min_answered_share=Decimal("0.5"),
        )

    past = make(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    running = make(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    upcoming = make(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert selectors.current_agreement(on=dt.date(2026, 2, 10)) == running
    assert selectors.current_agreement(on=dt.date(2025, 12, 1)) == past
    assert selectors.current_agreement(on=dt.date(2026, 5, 1)) == upcoming
    assert selectors.past_agreements(on=dt.date(2026, 3, 5)) == [running, past]


def test_answered_shares_of_several_ranges_in_one_query(
    refreshed, django_assert_num_queries
) -> None:
    ranges = [(JAN_1, JAN_31), (dt.date(2026, 2, 1), FEB_28), (JAN_1, FEB_28)]
    with django_assert_num_queries(1):
        together = handoff_selectors.answered_shares(ranges=ranges)
    assert together == [handoff_selectors.answered_share(start=s, end=e) for s, e in ranges]
    assert [row["answered"] for row in together] == [5, 2, 7]


def test_statuses_of_several_agreements_read_once(
    two_months, manager, django_assert_num_queries
) -> None:
    # Given a second agreement after the first, and one in the future
    later = services.agreement_create(
        actor=manager,
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 31),
        mqls=3,
        min_sla_compliance=Decimal("0.5"),
        min_answered_share=Decimal("0.5"),
    )
    future = services.agreement_create(
        actor=manager,
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 1, 31),
        mqls=3,
        min_sla_compliance=Decimal("0.5"),
        min_answered_share=Decimal("0.5"),
    )
    agreements = [two_months, later, future]
    as_of = dt.date(2026, 3, 10)
    # When their statuses are read together, then it takes five queries
    with django_assert_num_queries(5):
        together = selectors.agreement_statuses(agreements=agreements, as_of=as_of)
    # And each is the status read alone
    for agreement, status in zip(agreements, together, strict=True):
        assert status == selectors.agreement_status(agreement=agreement, as_of=as_of)
    assert together[2]["verdict"] == {"marketing": "no_data", "sales": "no_data"}
