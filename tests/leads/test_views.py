"""Campaign create/edit and spend pages: the service is called, bad input stays with its
field errors, roles are enforced and the spend list runs a constant number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.models import Campaign, CampaignCost
from tests.factories import CampaignCostFactory, CampaignFactory


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


CAMPAIGN = {
    "name": "Spring webinar",
    "channel": "webinar",
    "status": "active",
    "start_date": "2026-03-01",
    "end_date": "2026-04-30",
    "budget": "5000.00",
}


def test_create_campaign_then_land_on_its_spend_page(marketer, marketer_client):
    response = marketer_client.post(reverse("leads:campaign_create"), CAMPAIGN)

    campaign = Campaign.objects.get(name="Spring webinar")
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:campaign_spend", args=[campaign.pk])
    assert campaign.owner == marketer and campaign.budget == Decimal("5000.00")


def test_campaign_with_end_before_start_keeps_the_input_and_says_why(marketer_client):
    response = marketer_client.post(
        reverse("leads:campaign_create"), {**CAMPAIGN, "end_date": "2026-02-01"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in body
    assert 'value="Spring webinar"' in body
    assert not Campaign.objects.exists()


def test_duplicate_campaign_name_is_a_field_error(marketer_client):
    CampaignFactory(name="Spring webinar")

    response = marketer_client.post(reverse("leads:campaign_create"), CAMPAIGN)

    assert "Campaign with this Name already exists." in response.content.decode()
    assert Campaign.objects.count() == 1


def test_edit_campaign_saves_through_the_service(marketer_client):
    campaign = CampaignFactory(name="Old name")

    response = marketer_client.post(
        reverse("leads:campaign_edit", args=[campaign.pk]), {**CAMPAIGN, "name": "New name"}
    )

    campaign.refresh_from_db()
    assert response.status_code == 302
    assert campaign.name == "New name" and campaign.channel == "webinar"


def test_log_spend_adds_an_entry_and_lists_it(marketer, marketer_client):
    campaign = CampaignFactory()

    response = marketer_client.post(
        reverse("leads:campaign_spend", args=[campaign.pk]),
        {"date": "2026-03-02", "amount": "1234.50", "note": "Ads"},
        follow=True,
    )

    cost = CampaignCost.objects.get(campaign=campaign)
    assert cost.amount == Decimal("1234.50") and cost.created_by == marketer
    assert cost.date == dt.date(2026, 3, 2)
    body = response.content.decode()
    assert "$1,234.50" in body and "Spend entry saved." in body


def test_negative_spend_keeps_the_input_and_says_why(marketer_client):
    campaign = CampaignFactory()

    response = marketer_client.post(
        reverse("leads:campaign_spend", args=[campaign.pk]),
        {"date": "2026-03-02", "amount": "-5", "note": "Oops"},
    )

    body = response.content.decode()
    assert "greater than or equal to 0" in body
    assert 'value="Oops"' in body
    assert not CampaignCost.objects.exists()


def test_spend_page_runs_the_same_queries_for_2_and_20_entries(marketer_client):
    campaign = CampaignFactory()
    url = reverse("leads:campaign_spend", args=[campaign.pk])

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert marketer_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    CampaignCostFactory.create_batch(2, campaign=campaign)
    two = measure()
    CampaignCostFactory.create_batch(18, campaign=campaign)
    assert measure() == two


@pytest.mark.parametrize(
    "name,args",
    [("leads:campaign_create", []), ("leads:campaign_spend", [1]), ("leads:campaign_edit", [1])],
)
def test_campaign_pages_are_refused_to_sales(rep, name, args):
    client = Client()
    client.force_login(rep)

    assert client.get(reverse(name, args=args)).status_code == 403
