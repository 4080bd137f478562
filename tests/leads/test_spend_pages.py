"""The campaign spend page: entries over a period, edited and deleted in the app (audited,
refreshing the rollups), a confirm box for dates far ahead, and the refusals by role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import CampaignCost, SettingChange
from metrics import refresh, selectors
from tests.factories import CampaignFactory
from tests.metrics.test_refresh_property import snapshot


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def entry(marketer):
    """A 1000.00 entry over three days, ten days ago, refreshed into the rollups."""
    campaign = CampaignFactory()
    start = timezone.localdate() - dt.timedelta(days=10)
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=start,
        end_date=start + dt.timedelta(days=2),
        amount=Decimal("1000.00"),
    )
    refresh.refresh_dirty()
    return cost


def test_log_spend_over_a_period_from_the_page(marketer):
    campaign = CampaignFactory()
    start = timezone.localdate() - dt.timedelta(days=5)
    response = _client(marketer).post(
        reverse("leads:campaign_spend", args=[campaign.pk]),
        {
            "date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=2)).isoformat(),
            "amount": "1000.00",
        },
        follow=True,
    )
    cost = CampaignCost.objects.get()
    assert cost.end_date == start + dt.timedelta(days=2)
    assert "Spend entry saved." in response.content.decode()


def test_an_end_date_before_the_date_stays_on_the_form_with_its_reason(marketer):
    campaign = CampaignFactory()
    day = timezone.localdate() - dt.timedelta(days=5)
    response = _client(marketer).post(
        reverse("leads:campaign_spend", args=[campaign.pk]),
        {
            "date": day.isoformat(),
            "end_date": (day - dt.timedelta(days=1)).isoformat(),
            "amount": "5",
        },
    )
    assert response.status_code == 200
    assert not CampaignCost.objects.exists()
    assert "on or after the date" in response.content.decode()


def test_a_date_more_than_30_days_ahead_needs_the_confirm_box(marketer):
    # Given a date five months ahead (inside the one-year bound)
    campaign = CampaignFactory()
    url = reverse("leads:campaign_spend", args=[campaign.pk])
    ahead = (timezone.localdate() + dt.timedelta(days=150)).isoformat()

    # When it is sent without the box, it is not saved and the page says why
    response = _client(marketer).post(url, {"date": ahead, "amount": "10"})
    assert response.status_code == 200 and not CampaignCost.objects.exists()
    assert "more than 30 days ahead" in response.content.decode()

    # When the box is ticked, it is saved
    _client(marketer).post(url, {"date": ahead, "amount": "10", "confirm_ahead": "on"})
    assert CampaignCost.objects.count() == 1
    # And 30 days ahead needs no box
    soon = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    _client(marketer).post(url, {"date": soon, "amount": "10"})
    assert CampaignCost.objects.count() == 2


def test_edit_an_entry_from_the_page_is_audited_and_refreshes_like_a_recompute(marketer, entry):
    # Given the edit page of an entry
    url = reverse("leads:campaign_cost_edit", args=[entry.campaign_id, entry.pk])
    page = _client(marketer).get(url)
    assert page.status_code == 200 and 'value="1000.00"' in page.content.decode()

    # When marketing changes it to one day and 40.00
    day = entry.date + dt.timedelta(days=1)
    response = _client(marketer).post(
        url, {"date": day.isoformat(), "end_date": "", "amount": "40.00", "note": "Fixed"}
    )

    # Then it is saved, audited, and the rollups hold the new figure on every day
    assert response["Location"] == reverse("leads:campaign_spend", args=[entry.campaign_id])
    entry.refresh_from_db()
    assert (entry.date, entry.end_date, entry.amount) == (day, None, Decimal("40.00"))
    change = SettingChange.objects.get()
    assert change.actor == marketer and change.after["amount"] == "40.00"
    refresh.refresh_dirty()
    spend = selectors.kpi_summary(
        start=entry.date - dt.timedelta(days=1), end=day + dt.timedelta(days=2)
    )
    assert spend["marketing_spend"] == Decimal("40.00")
    incremental = snapshot()
    refresh.recompute_all()
    assert snapshot() == incremental


def test_delete_an_entry_from_the_page_is_audited_and_refreshes(marketer, entry):
    url = reverse("leads:campaign_cost_delete", args=[entry.campaign_id, entry.pk])
    assert _client(marketer).get(url).status_code == 405

    response = _client(marketer).post(url, follow=True)

    assert "Spend entry deleted." in response.content.decode()
    assert not CampaignCost.objects.exists()
    assert SettingChange.objects.get().action == "deleted"
    refresh.refresh_dirty()
    summary = selectors.kpi_summary(start=entry.date, end=entry.date + dt.timedelta(days=2))
    assert summary["marketing_spend"] == Decimal("0")
    incremental = snapshot()
    refresh.recompute_all()
    assert snapshot() == incremental


def test_the_spend_list_links_each_entry_to_its_edit_and_delete(marketer, entry):
    body = (
        _client(marketer)
        .get(reverse("leads:campaign_spend", args=[entry.campaign_id]))
        .content.decode()
    )
    assert reverse("leads:campaign_cost_edit", args=[entry.campaign_id, entry.pk]) in body
    assert reverse("leads:campaign_cost_delete", args=[entry.campaign_id, entry.pk]) in body


def test_sales_may_not_edit_or_delete_spend(rep, entry):
    edit = reverse("leads:campaign_cost_edit", args=[entry.campaign_id, entry.pk])
    delete = reverse("leads:campaign_cost_delete", args=[entry.campaign_id, entry.pk])
    assert _client(rep).get(edit).status_code == 403
    assert _client(rep).post(delete).status_code == 403
    assert CampaignCost.objects.filter(pk=entry.pk).exists()


def test_an_entry_of_another_campaign_is_not_found(marketer, entry):
    other = CampaignFactory()
    url = reverse("leads:campaign_cost_edit", args=[other.pk, entry.pk])
    assert _client(marketer).get(url).status_code == 404
    assert (
        _client(marketer)
        .post(reverse("leads:campaign_cost_delete", args=[other.pk, entry.pk]))
        .status_code
        == 404
    )


def test_the_api_takes_an_end_date_and_refuses_a_bad_one(marketer):
    campaign = CampaignFactory()
    client = _client(marketer)
    url = f"/api/v1/campaigns/{campaign.pk}/costs/"
    day = timezone.localdate() - dt.timedelta(days=5)
    ok = client.post(
        url,
        {
            "date": day.isoformat(),
            "end_date": (day + dt.timedelta(days=2)).isoformat(),
            "amount": "1000.00",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["end_date"] == (day + dt.timedelta(days=2)).isoformat()
    bad = client.post(
        url,
        {
            "date": day.isoformat(),
            "end_date": (day - dt.timedelta(days=2)).isoformat(),
            "amount": "1",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "end_date" in str(bad.json())
    assert CampaignCost.objects.count() == 1
