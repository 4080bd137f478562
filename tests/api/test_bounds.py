"""Issue 10, finding 1: every date and amount that reaches a rollup is bounded at the API.

Each case was accepted before (201) and then broke the KPI refresh; now each answers 400
with a field error and writes nothing, and the refresh keeps working.
"""

import datetime as dt

import pytest
from django.utils import timezone

from leads.models import CampaignCost, Lead, SalesCost
from metrics import refresh
from metrics.models import DirtyCell, SalesCostDay
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_campaign_cost_dated_9999_is_refused_and_the_refresh_still_runs(marketer_api):
    # Given a campaign
    campaign = factories.CampaignFactory()
    url = f"/api/v1/campaigns/{campaign.pk}/costs/"
    # When a spend entry is posted for 9999-12-31
    r = marketer_api.post(url, {"date": "9999-12-31", "amount": "1.00"}, format="json")
    # Then it is refused with a field error, nothing is written, and the refresh runs
    assert r.status_code == 400, r.content
    assert "date" in r.json()
    assert not CampaignCost.objects.exists() and not DirtyCell.objects.exists()
    refresh.refresh_dirty()


def test_campaign_cost_dates_outside_the_window_are_refused(marketer_api):
    campaign = factories.CampaignFactory()
    url = f"/api/v1/campaigns/{campaign.pk}/costs/"
    today = timezone.localdate()
    for date in ("1999-12-31", (today + dt.timedelta(days=400)).isoformat()):
        r = marketer_api.post(url, {"date": date, "amount": "1.00"}, format="json")
        assert r.status_code == 400 and "date" in r.json(), (date, r.content)
    for date in ("2000-01-01", (today + dt.timedelta(days=300)).isoformat()):
        r = marketer_api.post(url, {"date": date, "amount": "1.00"}, format="json")
        assert r.status_code == 201, (date, r.content)
    assert CampaignCost.objects.count() == 2


def test_sales_cost_too_large_for_a_day_is_refused(manager_api):
    # When a sales cost of 999,999,999,999.99 is posted (twice the same day overflowed)
    for _ in range(2):
        r = manager_api.post(
            "/api/v1/sales-costs/",
            {"date": "2026-01-15", "amount": "999999999999.99"},
            format="json",
        )
        # Then it is refused with a field error and nothing is written
        assert r.status_code == 400, r.content
        assert "amount" in r.json()
    assert not SalesCost.objects.exists()


def test_the_largest_sales_costs_sum_in_one_day_without_overflow(manager_api):
    # Given the largest entry allowed, ten times on one day
    for _ in range(10):
        r = manager_api.post(
            "/api/v1/sales-costs/", {"date": "2026-01-15", "amount": "9999999999.99"}, format="json"
        )
        assert r.status_code == 201, r.content
    # When the rollups refresh, then the day's total fits the rollup column
    refresh.refresh_dirty()
    assert SalesCostDay.objects.get().sales_cost == 10 * SalesCost.objects.first().amount
    big = manager_api.post(
        "/api/v1/sales-costs/", {"date": "2026-01-15", "amount": "10000000000.00"}, format="json"
    )
    assert big.status_code == 400 and "amount" in big.json()


def test_backfilled_creation_in_year_one_is_refused(manager_api, settings):
    # When a lead is captured with created_at 0001-01-01T00:00:00Z (KPI days in UTC)
    r = manager_api.post(
        "/api/v1/leads/",
        {"email": "old@example.com", "created_at": "0001-01-01T00:00:00Z"},
        format="json",
    )
    # Then it is refused with a field error and nothing is written
    assert r.status_code == 400, r.content
    assert "created_at" in r.json()
    assert not Lead.objects.exists()
    # And a recompute with the KPI days in New York still works
    settings.TIME_ZONE = "America/New_York"
    refresh.recompute_all()


def test_backfilled_creation_before_2000_is_refused_and_2000_accepted(manager_api):
    for when, status in (("1999-12-31T23:59:59Z", 400), ("2000-01-01T00:00:00Z", 201)):
        r = manager_api.post(
            "/api/v1/leads/",
            {"email": f"{when[:4]}@example.com", "created_at": when},
            format="json",
        )
        assert r.status_code == status, (when, r.content)
        if status == 400:
            assert "created_at" in r.json()
    assert Lead.objects.count() == 1


def test_an_opportunity_amount_over_the_maximum_is_refused(rep_api, rep, marketer):
    # Given an accepted lead of the rep
    lead = factories.lead_in_state("accepted", marketer=marketer, rep=rep)
    url = f"/api/v1/leads/{lead.pk}/convert/"
    # When it is converted with 10,000,000,000.00, then it is refused on `amount`
    r = rep_api.post(url, {"amount": "10000000000.00"}, format="json")
    assert r.status_code == 400 and "amount" in r.json(), r.content
    # And the largest amount is accepted
    ok = rep_api.post(url, {"amount": "9999999999.99"}, format="json")
    assert ok.status_code == 201, ok.content
