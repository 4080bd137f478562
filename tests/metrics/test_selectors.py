"""Selectors: constant query counts whatever the range and data size, and clear errors."""

import datetime as dt
import random

import pytest

from metrics import refresh, selectors
from metrics.models import CampaignDay, MqlRepeat, OwnerDay, SalesCostDay
from tests import factories

START, END = dt.date(2025, 1, 1), dt.date(2026, 6, 30)


def fill_rollups(days: int, campaigns: list, owners: list) -> None:
    """Rollup rows for `days` days x every campaign and owner (what the refresh would write)."""
    rng = random.Random(days)
    rows_c, rows_o, repeats, sales = [], [], [], []
    for i in range(days):
        day = START + dt.timedelta(days=i)
        for campaign in [*campaigns, None]:
            rows_c.append(
                CampaignDay(
                    day=day,
                    campaign=campaign,
                    leads=rng.randint(0, 9),
                    mqls=rng.randint(0, 5),
                    marketing_spend=rng.randint(0, 500),
                    rejected=1,
                    rejected_spam=1,
                )
            )
        for owner in [*owners, None]:
            rows_o.append(OwnerDay(day=day, owner=owner, leads=rng.randint(0, 9), handoffs=2))
        repeats.append(
            MqlRepeat(day=day, prev_day=day - dt.timedelta(days=2), campaign=campaigns[0], leads=1)
        )
        sales.append(SalesCostDay(day=day, sales_cost=100))
    CampaignDay.objects.bulk_create(rows_c)
    OwnerDay.objects.bulk_create(rows_o)
    MqlRepeat.objects.bulk_create(repeats)
    SalesCostDay.objects.bulk_create(sales)


@pytest.fixture(params=[3, 400], ids=["small", "large"])
def rollups(request, db):
    campaigns = [factories.CampaignFactory() for _ in range(request.param // 100 + 2)]
    owners = [factories.UserFactory(role="sales") for _ in range(request.param // 100 + 2)]
    fill_rollups(request.param, campaigns, owners)
    return campaigns, owners


@pytest.mark.parametrize(
    "filters", [{}, {"campaign": "c"}, {"channel": "paid_search"}, {"owner": "o"}]
)
def test_summary_takes_four_queries_whatever_the_size(
    rollups, filters, django_assert_max_num_queries
):
    campaigns, owners = rollups
    filters = {
        k: campaigns[0].pk if v == "c" else owners[0].pk if v == "o" else v
        for k, v in filters.items()
    }
    with django_assert_max_num_queries(4):
        summary = selectors.kpi_summary(start=START, end=END, **filters)
    assert summary["leads"] > 0


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_timeseries_takes_three_queries_whatever_the_size(
    rollups, interval, django_assert_num_queries
):
    with django_assert_num_queries(3):
        series = selectors.kpi_timeseries(metric="cac", interval=interval, start=START, end=END)
    assert series[0]["period_start"] <= START
    assert len({row["period_start"] for row in series}) == len(series)


@pytest.mark.parametrize("by", ["campaign", "channel", "owner"])
def test_breakdown_takes_three_queries_whatever_the_size(rollups, by, django_assert_num_queries):
    campaigns, owners = rollups
    with django_assert_num_queries(3):
        rows = selectors.kpi_breakdown(by=by, start=START, end=END)
    if by == "campaign":
        assert len(rows) == len(campaigns) + 1
    if by == "owner":
        assert len(rows) == len(owners) + 1


def test_mqls_subtract_repeats_whose_earlier_day_is_in_range(db):
    # Given a lead counted on Jan 1 and again on Jan 3 (a repeat of Jan 1)
    campaign = factories.CampaignFactory()
    CampaignDay.objects.create(day=dt.date(2026, 1, 1), campaign=campaign, mqls=1)
    CampaignDay.objects.create(day=dt.date(2026, 1, 3), campaign=campaign, mqls=1)
    MqlRepeat.objects.create(
        day=dt.date(2026, 1, 3), prev_day=dt.date(2026, 1, 1), campaign=campaign, leads=1
    )
    # Then a range holding both days counts it once, a range holding one day counts it once
    assert selectors.kpi_summary(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 3))["mqls"] == 1
    assert selectors.kpi_summary(start=dt.date(2026, 1, 2), end=dt.date(2026, 1, 3))["mqls"] == 1
    assert selectors.kpi_summary(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))["mqls"] == 1


def test_empty_range_gives_zero_counts_and_null_ratios(db):
    summary = selectors.kpi_summary(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 1))
    assert summary["leads"] == 0 and summary["marketing_spend"] == 0
    assert summary["cost_per_lead"] is None and summary["close_rate"] is None
    assert summary["rejections_by_reason"] == {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: selectors.kpi_summary(start=d, end=d - dt.timedelta(days=1)), "after"),
        (lambda d: selectors.kpi_summary(start=d, end=d, channel="tv"), "unknown channel"),
        (lambda d: selectors.kpi_summary(start=d, end=d, campaign=1, owner=2), "at most one"),
        (
            lambda d: selectors.kpi_timeseries(metric="nope", interval="day", start=d, end=d),
            "unknown metric",
        ),
        (
            lambda d: selectors.kpi_timeseries(metric="leads", interval="year", start=d, end=d),
            "unknown interval",
        ),
        (lambda d: selectors.kpi_breakdown(by="country", start=d, end=d), "unknown breakdown"),
    ],
)
def test_bad_queries_raise_value_error_with_a_clear_message(db, call, message):
    with pytest.raises(ValueError, match=message):
        call(dt.date(2026, 1, 1))


def test_computed_at_is_the_time_of_the_last_refresh(db):
    refresh.recompute_all()
    first = selectors.kpi_summary(start=START, end=END)["computed_at"]
    refresh.refresh_dirty()
    second = selectors.kpi_summary(start=START, end=END)["computed_at"]
    assert first is not None and second > first
