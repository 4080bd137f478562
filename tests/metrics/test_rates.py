"""Funnel rates of alignment.md on the hand-computed history of tests/metrics/conftest.py.

Leads created Jan 5 (L1), Jan 15 (L5), Jan 25 (L9); won Feb 3 10:00 (O1, 29 days),
Jan 30 09:00 (O5, 15 days), Feb 28 23:30 local (O9, 34 days 13.5 hours = 34.5625 days).
"""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from metrics import rates, refresh

JAN = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 1, 31)}
FEB = {"start": dt.date(2026, 2, 1), "end": dt.date(2026, 2, 28)}
BOTH = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 2, 28)}


def api(query: dict) -> dict:
    return rates.format_rates(rates.funnel_rates(**query))


@pytest.fixture
def refreshed(history):
    refresh.recompute_all()
    return history


pytestmark = pytest.mark.django_db


def test_every_rate_over_both_months(refreshed):
    # Given the history's rollups; when the rates of Jan 1..Feb 28 are read
    got = api(BOTH)
    # then each is the hand-computed numerator / denominator
    assert got == {
        "lead_to_mql": {"value": 0.8, "numerator": 8, "denominator": 10},
        "mql_to_accepted": {"value": 0.5, "numerator": 4, "denominator": 8},
        "accepted_to_opportunity": {"value": 1.0, "numerator": 4, "denominator": 4},
        "win_rate": {"value": 0.75, "numerator": 3, "denominator": 4},
        "avg_deal_size": {"value": "5666.67", "numerator": "17000.00", "denominator": 3},
        "cost_per_lead": {"value": "210.00", "numerator": "2100.00", "denominator": 10},
        # (15 + 29 + 34.5625) / 3
        "avg_lead_to_win_days": {"value": 26.1875, "numerator": 78.5625, "denominator": 3},
    }


def test_values_are_exact_before_formatting(refreshed):
    raw = rates.funnel_rates(**BOTH)
    assert raw["avg_deal_size"]["value"] * 3 == Decimal("17000")
    assert raw["avg_lead_to_win_days"]["value"] == Decimal("26.1875")


def test_january_and_february(refreshed):
    jan, feb = api(JAN), api(FEB)
    assert jan["lead_to_mql"] == {"value": 0.8333, "numerator": 5, "denominator": 6}
    assert jan["win_rate"]["value"] == 0.5
    assert jan["avg_lead_to_win_days"] == {"value": 15.0, "numerator": 15.0, "denominator": 1}
    # February: no accepted handoff, so accepted_to_opportunity has no denominator
    assert feb["mql_to_accepted"] == {"value": 0.0, "numerator": 0, "denominator": 3}
    assert feb["accepted_to_opportunity"] == {"value": None, "numerator": 0, "denominator": 0}
    assert feb["cost_per_lead"]["value"] == "150.00"
    # O1 (29) and O9 (34.5625, won late on Feb 28 local time): 31.78125, half-up
    assert feb["avg_lead_to_win_days"]["value"] == 31.7813


def test_campaign_channel_and_owner_filters(refreshed):
    c1 = api({**BOTH, "campaign": refreshed.c1.pk})
    assert c1["lead_to_mql"]["value"] == 1.0
    assert c1["mql_to_accepted"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert c1["cost_per_lead"]["value"] == "500.00"
    assert c1["avg_lead_to_win_days"]["value"] == 31.7813
    webinar = api({**BOTH, "channel": "webinar"})
    assert webinar["cost_per_lead"] == {"value": "150.00", "numerator": "300.00", "denominator": 2}
    assert webinar["win_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert webinar["avg_lead_to_win_days"]["value"] is None
    # Rep A owns O1 and O9; spend has no owner, so cost per lead does not apply
    rep_a = api({**BOTH, "owner": refreshed.a.pk})
    assert rep_a["win_rate"]["value"] == 1.0
    assert rep_a["avg_deal_size"]["value"] == "7500.00"
    assert rep_a["avg_lead_to_win_days"]["value"] == 31.7813
    assert rep_a["cost_per_lead"]["value"] is None
    assert rep_a["cost_per_lead"]["numerator"] is None


def test_rates_endpoint_answers_every_key(refreshed, manager):
    client = APIClient()
    client.force_authenticate(manager)
    response = client.get("/api/v1/kpis/rates/", {"start": "2026-01-01", "end": "2026-02-28"})
    assert response.status_code == 200
    assert response.json()["win_rate"] == {"value": 0.75, "numerator": 3, "denominator": 4}
    assert response.json()["avg_deal_size"]["value"] == "5666.67"


@pytest.mark.parametrize(
    "query,field",
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"start": "nope", "end": "2026-01-01"}, "start"),
        ({"start": "2026-01-01", "end": "2026-01-31", "channel": "fax"}, "channel"),
        (
            {"start": "2026-01-01", "end": "2026-01-31", "channel": "seo", "owner": 1},
            "non_field_errors",
        ),
    ],
)
def test_rates_endpoint_bad_input_is_400_with_field_errors(rep, query, field):
    client = APIClient()
    client.force_authenticate(rep)
    response = client.get("/api/v1/kpis/rates/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_rates_endpoint_needs_a_login():
    assert APIClient().get(
        "/api/v1/kpis/rates/", {"start": "2026-01-01", "end": "2026-01-02"}
    ).status_code in (401, 403)
