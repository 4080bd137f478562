"""Cost entries over a period (kpis.md): the pure spread, the bounds of an end date, the
database constraint, and the audited, role-checked edit and delete services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from leads import services
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import CampaignCost, SalesCost, SettingChange
from leads.spread import MAX_SPAN_DAYS, daily_shares, period_days
from metrics.models import DirtyCell
from tests.factories import CampaignFactory

D = dt.date(2026, 3, 30)


def test_a_thousand_over_three_days_is_333_33_twice_and_333_34_on_the_last_day():
    shares = list(daily_shares(Decimal("1000.00"), D, D + dt.timedelta(days=2)))
    assert shares == [
        (dt.date(2026, 3, 30), Decimal("333.33")),
        (dt.date(2026, 3, 31), Decimal("333.33")),
        (dt.date(2026, 4, 1), Decimal("333.34")),
    ]


@pytest.mark.parametrize(
    ("amount", "days", "each", "last"),
    [
        ("0.05", 7, "0.00", "0.05"),  # less than a cent a day: all on the last day
        ("100.00", 4, "25.00", "25.00"),
        ("9999999999.99", 366, "27322404.37", "27322404.94"),
        ("0.00", 3, "0.00", "0.00"),
        ("0.02", 3, "0.00", "0.02"),
    ],
)
def test_shares_are_rounded_down_and_always_sum_to_the_amount(amount, days, each, last):
    shares = [v for _d, v in daily_shares(Decimal(amount), D, D + dt.timedelta(days=days - 1))]
    assert len(shares) == days
    assert sum(shares) == Decimal(amount)
    assert all(v == Decimal(each) for v in shares[:-1]) or days == 1
    if last is not None:
        assert shares[-1] == Decimal(last)


def test_an_entry_without_end_date_covers_its_day_alone():
    assert period_days(D, None) == [D]
    assert list(daily_shares(Decimal("12.34"), D, None)) == [(D, Decimal("12.34"))]


@pytest.fixture
def campaign(db):
    return CampaignFactory()


def _today() -> dt.date:
    return timezone.localdate()


@pytest.mark.parametrize(
    ("end_offset", "message"),
    [(-1, "before the date"), (MAX_SPAN_DAYS, "at most 366 days")],
)
def test_an_end_date_before_the_date_or_too_far_is_refused_with_nothing_written(
    campaign, marketer, end_offset, message
):
    start = _today() - dt.timedelta(days=400)
    with pytest.raises(InvalidInput) as refused:
        services.campaign_cost_add(
            campaign_id=campaign.pk,
            actor=marketer,
            date=start,
            end_date=start + dt.timedelta(days=end_offset),
            amount=Decimal("10"),
        )
    assert message in refused.value.errors["end_date"][0]
    assert not CampaignCost.objects.exists()


def test_an_end_date_past_the_bounds_window_is_refused(campaign, marketer):
    start = _today() + dt.timedelta(days=300)
    with pytest.raises(InvalidInput) as refused:
        services.campaign_cost_add(
            campaign_id=campaign.pk,
            actor=marketer,
            date=start,
            end_date=start + dt.timedelta(days=100),
            amount=Decimal("10"),
        )
    assert "end_date" in refused.value.errors


def test_the_database_refuses_a_period_the_service_would_refuse(campaign):
    # Given a row written around the service
    for end in (D - dt.timedelta(days=1), D + dt.timedelta(days=MAX_SPAN_DAYS)):
        with pytest.raises(IntegrityError), transaction.atomic():
            CampaignCost.objects.create(campaign=campaign, date=D, end_date=end, amount=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            SalesCost.objects.create(date=D, end_date=end, amount=1)
    # The longest allowed period is stored
    CampaignCost.objects.create(
        campaign=campaign, date=D, end_date=D + dt.timedelta(days=MAX_SPAN_DAYS - 1), amount=1
    )


def _dirty_days(dimension: str) -> set[dt.date]:
    return set(DirtyCell.objects.filter(dimension=dimension).values_list("day", flat=True))


def test_a_period_entry_dirties_every_day_of_its_period(campaign, marketer):
    start = _today() - dt.timedelta(days=20)
    services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=start,
        end_date=start + dt.timedelta(days=4),
        amount=Decimal("50"),
    )
    assert _dirty_days("campaign") == {start + dt.timedelta(days=n) for n in range(5)}


def test_an_edit_is_audited_and_dirties_the_old_and_the_new_period(campaign, marketer):
    # Given an entry over three days, its cells already clean
    start = _today() - dt.timedelta(days=20)
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=start,
        end_date=start + dt.timedelta(days=2),
        amount=Decimal("1000.00"),
    )
    DirtyCell.objects.all().delete()

    # When marketing moves it ten days later and changes the amount
    later = start + dt.timedelta(days=10)
    services.campaign_cost_update(
        cost_id=cost.pk, actor=marketer, date=later, end_date=later, amount=Decimal("90")
    )

    # Then both periods are dirty and one audit row says who changed what
    assert _dirty_days("campaign") == {
        start,
        start + dt.timedelta(days=1),
        start + dt.timedelta(days=2),
        later,
    }
    change = SettingChange.objects.get()
    assert (change.area, change.action, change.actor) == ("spend", "updated", marketer)
    assert change.before == {
        "amount": "1000.00",
        "date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=2)).isoformat(),
    }
    assert change.after == {
        "amount": "90",
        "date": later.isoformat(),
        "end_date": later.isoformat(),
    }


def test_a_delete_is_audited_with_what_was_deleted(campaign, marketer):
    day = _today() - dt.timedelta(days=3)
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=day, amount=Decimal("12.50"), note="Ads"
    )
    services.campaign_cost_delete(cost_id=cost.pk, actor=marketer)
    assert not CampaignCost.objects.exists()
    change = SettingChange.objects.get()
    assert change.action == "deleted"
    assert change.before["amount"] == "12.50" and change.before["campaign"] == campaign.pk


def test_reps_may_not_edit_or_delete_spend_and_managers_alone_change_sales_costs(
    campaign, marketer, rep, manager
):
    day = _today() - dt.timedelta(days=3)
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=day, amount=Decimal("10")
    )
    sales = services.sales_cost_add(actor=manager, date=day, amount=Decimal("10"))
    with pytest.raises(ActionNotAllowed):
        services.campaign_cost_update(cost_id=cost.pk, actor=rep, amount=Decimal("1"))
    with pytest.raises(ActionNotAllowed):
        services.campaign_cost_delete(cost_id=cost.pk, actor=rep)
    with pytest.raises(ActionNotAllowed):
        services.sales_cost_update(cost_id=sales.pk, actor=marketer, amount=Decimal("1"))
    with pytest.raises(ActionNotAllowed):
        services.sales_cost_delete(cost_id=sales.pk, actor=marketer)
    cost.refresh_from_db()
    assert cost.amount == Decimal("10") and SalesCost.objects.count() == 1
    assert not SettingChange.objects.exists()
    services.sales_cost_update(cost_id=sales.pk, actor=manager, amount=Decimal("20"))
    assert SettingChange.objects.get().after == {"amount": "20"}


def test_an_unknown_field_is_refused_on_update(campaign, marketer):
    day = _today() - dt.timedelta(days=3)
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=day, amount=Decimal("10")
    )
    with pytest.raises(InvalidInput) as refused:
        services.campaign_cost_update(cost_id=cost.pk, actor=marketer, campaign_id=99)
    assert "campaign_id" in refused.value.errors
