"""leads.bounds: the window of cost dates and fact times, the largest amount, held by the
services (field errors), by the pages (form messages) and by the database (constraints)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from handoff.models import LeadEvent
from leads import bounds, services
from leads.errors import InvalidInput
from leads.models import CampaignCost, Lead, SalesCost
from tests import factories

pytestmark = pytest.mark.django_db


def test_one_year_after_keeps_the_day_and_folds_29_february():
    assert bounds.one_year_after(dt.date(2026, 3, 1)) == dt.date(2027, 3, 1)
    assert bounds.one_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


def test_cost_window_is_2000_to_one_year_ahead():
    today = timezone.localdate()
    assert bounds.cost_date_errors(dt.date(2000, 1, 1)) == {}
    assert bounds.cost_date_errors(bounds.one_year_after(today)) == {}
    assert "date" in bounds.cost_date_errors(bounds.one_year_after(today) + dt.timedelta(1))
    assert "date" in bounds.cost_date_errors(dt.date(1999, 12, 31))


def test_amounts_from_0_to_the_maximum():
    assert bounds.amount_errors(Decimal("0")) == {}
    assert bounds.amount_errors(bounds.MAX_AMOUNT) == {}
    assert "amount" in bounds.amount_errors(bounds.MAX_AMOUNT + Decimal("0.01"))
    assert "amount" in bounds.amount_errors(Decimal("-0.01"))


def test_campaign_cost_update_refuses_a_date_out_of_the_window(marketer):
    # Given a spend entry
    cost = services.campaign_cost_add(
        campaign_id=factories.CampaignFactory().pk,
        actor=marketer,
        date=dt.date(2026, 1, 5),
        amount=Decimal("10"),
    )
    # When it is moved to 9999-12-31, then it is refused and unchanged
    with pytest.raises(InvalidInput) as refused:
        services.campaign_cost_update(cost_id=cost.pk, actor=marketer, date=dt.date(9999, 12, 31))
    assert "date" in refused.value.errors
    cost.refresh_from_db()
    assert cost.date == dt.date(2026, 1, 5)


def test_sales_cost_update_and_delete_go_through_the_service(manager):
    cost = services.sales_cost_add(actor=manager, date=dt.date(2026, 1, 5), amount=Decimal("1"))
    with pytest.raises(InvalidInput) as refused:
        services.sales_cost_update(cost_id=cost.pk, actor=manager, amount=Decimal("1e11"))
    assert "amount" in refused.value.errors
    services.sales_cost_update(cost_id=cost.pk, actor=manager, amount=Decimal("2"))
    assert SalesCost.objects.get().amount == Decimal("2")
    services.sales_cost_delete(cost_id=cost.pk, actor=manager)
    assert not SalesCost.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "write",
    [
        lambda c: CampaignCost.objects.create(campaign=c, date="9999-12-31", amount=1),
        lambda c: CampaignCost.objects.create(campaign=c, date="1999-12-31", amount=1),
        lambda c: CampaignCost.objects.create(campaign=c, date="2026-01-01", amount=10**11),
        lambda c: SalesCost.objects.create(date="2101-01-01", amount=1),
        lambda c: SalesCost.objects.create(date="2026-01-01", amount=Decimal("1e11")),
        lambda c: Lead.objects.create(
            email="x@example.com", created_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        ),
    ],
    ids=["cost-9999", "cost-1999", "cost-1e11", "sales-2101", "sales-1e11", "lead-year-1"],
)
def test_the_database_refuses_rows_outside_the_bounds(write):
    # Given a campaign; when a row out of bounds is written past the services
    campaign = factories.CampaignFactory()
    # Then the database's check constraint refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        write(campaign)


@pytest.mark.postgres
def test_the_constraints_are_added_not_valid_so_old_rows_do_not_stop_a_deploy():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, convalidated FROM pg_constraint WHERE conname LIKE %s",
            ["%_in_window"],
        )
        rows = dict(cursor.fetchall())
    assert rows["campaigncost_date_in_window"] is False
    assert rows["leadevent_at_in_window"] is False
    assert len(rows) >= 7


def test_the_event_time_constraint_names_the_table():
    names = {c.name for c in LeadEvent._meta.constraints}
    assert "leadevent_at_in_window" in names


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


@pytest.mark.parametrize(
    "date",
    [
        "9999-12-31",
        "1999-12-31",
        (timezone.localdate() + dt.timedelta(days=400)).isoformat(),
    ],
)
def test_spend_page_says_why_a_date_is_refused(marketer_client, date):
    # Given a campaign's spend page; when a spend entry dated out of the window is posted
    campaign = factories.CampaignFactory()
    response = marketer_client.post(
        reverse("leads:campaign_spend", args=[campaign.pk]),
        {"date": date, "amount": "5", "note": "Late"},
    )
    # Then the page shows the form again with a message and nothing is written
    body = response.content.decode()
    assert response.status_code == 200
    assert "Give a date from 2000-01-01 to" in body
    assert 'value="Late"' in body
    assert not CampaignCost.objects.exists()


def test_spend_page_says_why_an_amount_is_refused(marketer_client):
    campaign = factories.CampaignFactory()
    response = marketer_client.post(
        reverse("leads:campaign_spend", args=[campaign.pk]),
        {"date": "2026-01-05", "amount": "99999999999.00"},
    )
    assert response.status_code == 200
    assert "9999999999.99" in response.content.decode() or "9,999,999,999.99" in (
        response.content.decode()
    )
    assert not CampaignCost.objects.exists()
