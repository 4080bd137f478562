"""Cost entries over a period in the rollups (kpis.md "Cost entries over a period"), on a
hand-computed case: 1000.00 over three days is 333.33, 333.33 and 333.34; the summary, the
daily time series and the incremental refresh all agree with a full recompute, and so do
an edit and a delete of the entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from leads import services
from metrics import refresh, selectors
from tests.factories import CampaignFactory
from tests.metrics.test_refresh_property import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def start() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=20)


def _day(start: dt.date, n: int) -> dt.date:
    return start + dt.timedelta(days=n)


def _spend(start: dt.date, end: dt.date, **filters) -> Decimal | None:
    return selectors.kpi_summary(start=start, end=end, **filters)["marketing_spend"]


def _series(metric: str, start: dt.date, end: dt.date, **filters) -> list:
    return [
        p["value"]
        for p in selectors.kpi_timeseries(
            metric=metric, interval="day", start=start, end=end, **filters
        )
    ]


def _assert_equal_to_full_recompute() -> None:
    incremental = snapshot()
    refresh.recompute_all()
    assert snapshot() == incremental


def test_a_thousand_over_three_days_in_summary_series_and_recompute(start, marketer, manager):
    # Given a campaign cost and a sales cost of 1000.00 each, over three days
    campaign = CampaignFactory()
    services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=start,
        end_date=_day(start, 2),
        amount=Decimal("1000.00"),
    )
    services.sales_cost_add(
        actor=manager, date=start, end_date=_day(start, 2), amount=Decimal("1000.00")
    )

    # When the incremental refresh runs
    refresh.refresh_dirty()

    # Then each day holds its share, rounded down, the remainder on the last day
    assert _spend(start, start) == Decimal("333.33")
    assert _spend(_day(start, 2), _day(start, 2)) == Decimal("333.34")
    assert _spend(_day(start, 1), _day(start, 5)) == Decimal("666.67")
    assert _spend(_day(start, -5), _day(start, 5)) == Decimal("1000.00")
    assert _spend(start, start, campaign=campaign.pk) == Decimal("333.33")
    assert selectors.kpi_summary(start=start, end=_day(start, 1))["sales_cost"] == Decimal("666.66")
    assert _series("marketing_spend", _day(start, -1), _day(start, 3)) == [
        Decimal("0"),
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
        Decimal("0"),
    ]
    assert _series("sales_cost", start, _day(start, 2)) == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    # And a full recompute writes exactly the rows the incremental refresh wrote
    _assert_equal_to_full_recompute()


def test_a_period_reaching_into_the_future_counts_only_the_range_asked(marketer):
    # Given a monthly fee of 3000.00 over 30 days that started 9 days ago
    today = timezone.localdate()
    campaign = CampaignFactory()
    services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=today - dt.timedelta(days=9),
        end_date=today + dt.timedelta(days=20),
        amount=Decimal("3000.00"),
    )
    refresh.refresh_dirty()
    # Then the ten days to today hold 100.00 each
    assert _spend(today - dt.timedelta(days=9), today) == Decimal("1000.00")
    _assert_equal_to_full_recompute()


def test_editing_and_deleting_a_period_entry_refreshes_every_day_like_a_recompute(
    start, marketer, manager
):
    # Given two entries over periods, refreshed
    campaign = CampaignFactory()
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=start,
        end_date=_day(start, 2),
        amount=Decimal("1000.00"),
    )
    sales = services.sales_cost_add(
        actor=manager, date=start, end_date=_day(start, 3), amount=Decimal("10.00")
    )
    refresh.refresh_dirty()

    # When the campaign entry moves to a later, longer period and the sales cost shrinks
    services.campaign_cost_update(
        cost_id=cost.pk,
        actor=marketer,
        date=_day(start, 5),
        end_date=_day(start, 8),
        amount=Decimal("100.00"),
    )
    services.sales_cost_update(cost_id=sales.pk, actor=manager, end_date=None)
    refresh.refresh_dirty()

    # Then the old days are empty, the new ones hold the new shares
    assert _series("marketing_spend", start, _day(start, 8)) == [
        *[Decimal("0")] * 5,
        Decimal("25.00"),
        Decimal("25.00"),
        Decimal("25.00"),
        Decimal("25.00"),
    ]
    assert _series("sales_cost", start, _day(start, 3)) == [
        Decimal("10.00"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
    ]
    _assert_equal_to_full_recompute()

    # When both are deleted, nothing is left and the recompute agrees
    services.campaign_cost_delete(cost_id=cost.pk, actor=marketer)
    services.sales_cost_delete(cost_id=sales.pk, actor=manager)
    refresh.refresh_dirty()
    assert _spend(_day(start, -1), _day(start, 10)) == Decimal("0")
    _assert_equal_to_full_recompute()
