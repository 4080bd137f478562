"""The attribution API and page: shape, 400s, roles, CSV and pinned query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from leads.models import TouchKind
from leads.touches import NewTouch, record_touches
from metrics import attribution_refresh
from tests.api.conftest import client_for
from tests.factories import CampaignFactory, UserFactory, lead_in_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpis/attribution/"
TODAY = dt.date.today()


def won_deals(n: int, *, marketer, rep, manager, campaigns) -> None:
    """n won deals, each with a capture touch and a second touch from another campaign."""
    from handoff import services as flow
    from leads.models import Opportunity

    for i in range(n):
        first, second = campaigns[i % len(campaigns)], campaigns[(i + 1) % len(campaigns)]
        lead = lead_in_state("converted", marketer=marketer, rep=rep, campaign=first)
        record_touches([NewTouch(lead.pk, second.pk, lead.created_at, TouchKind.API)])
        opp = Opportunity.objects.get(lead=lead)
        flow.opportunity_win(opportunity_id=opp.pk, actor=manager, amount="1000")
    attribution_refresh.refresh_dirty()


@pytest.fixture
def deals(marketer, rep, manager):
    campaigns = [
        CampaignFactory(name=f"Camp {i}", channel=c) for i, c in enumerate(["email", "webinar"])
    ]
    won_deals(3, marketer=marketer, rep=rep, manager=manager, campaigns=campaigns)
    return campaigns


def query(**extra) -> str:
    params = {"start": (TODAY - dt.timedelta(days=5)).isoformat(), "end": TODAY.isoformat()}
    params.update(extra)
    return URL + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_api_rows_mirror_the_breakdown_shape(deals, manager):
    rows = client_for(manager).get(query(model="linear", by="campaign")).json()
    assert [r["name"] for r in rows] == ["Camp 0", "Camp 1", "Unattributed"]
    assert set(rows[0]) == {
        "campaign",
        "name",
        "channel",
        "customers",
        "revenue",
        "marketing_spend",
        "paid_cac",
        "romi",
    }
    assert rows[0]["customers"] == 1.5 and rows[0]["revenue"] == "1500.00"
    assert rows[0]["paid_cac"] == "0.00" and rows[0]["romi"] is None  # no spend: kpis.md nulls
    assert rows[2]["campaign"] is None and rows[2]["customers"] == 0.0
    by_channel = client_for(manager).get(query(model="first_touch", by="channel")).json()
    assert {r["channel"]: r["customers"] for r in by_channel} == {
        "email": 2.0,
        "webinar": 1.0,
        None: 0.0,
    }


def test_customers_have_four_places(marketer, rep, manager):
    campaigns = [CampaignFactory(name=f"T{i}", channel="email") for i in range(3)]
    won_deals(1, marketer=marketer, rep=rep, manager=manager, campaigns=campaigns)
    from leads.models import Lead

    lead = Lead.objects.get(opportunity__isnull=False)
    record_touches([NewTouch(lead.pk, campaigns[2].pk, lead.created_at, TouchKind.API)])
    attribution_refresh.refresh_dirty()
    rows = client_for(manager).get(query(model="linear", by="campaign")).json()
    assert [r["customers"] for r in rows[:3]] == [0.3333, 0.3333, 0.3333]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"model": "w_shaped", "by": "campaign"}, "model"),
        ({"model": "linear", "by": "owner"}, "by"),
        ({"model": "linear", "by": "campaign", "start": "2026-13-01"}, "start"),
        ({"model": "linear", "by": "campaign", "start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"by": "campaign"}, "model"),
    ],
)
def test_api_bad_input_is_a_400_with_field_errors(manager, params, field):
    response = client_for(manager).get(query(**params))
    assert response.status_code == 400
    assert field in response.json()


def test_api_roles(marketer, rep, manager):
    assert client_for(None).get(query(model="linear", by="campaign")).status_code in (401, 403)
    nobody = UserFactory()
    assert client_for(nobody).get(query(model="linear", by="campaign")).status_code == 403
    for user in (marketer, rep, manager):
        assert client_for(user).get(query(model="linear", by="campaign")).status_code == 200


@pytest.mark.parametrize("size", [2, 8])
def test_api_query_count_is_constant(size, marketer, rep, manager, django_assert_num_queries):
    campaigns = [CampaignFactory(name=f"S{size}-{i}", channel="email") for i in range(size)]
    won_deals(size, marketer=marketer, rep=rep, manager=manager, campaigns=campaigns)
    client = client_for(manager)
    # token auth and throttling (3), the three breakdown reads, the credit sums
    with django_assert_num_queries(7):
        assert client.get(query(model="u_shaped", by="campaign")).status_code == 200


# --- the page --------------------------------------------------------------------------


def page(client, **params):
    return client.get(reverse("metrics:attribution"), params)


def test_page_shows_five_models_and_differences(client, deals, manager):
    client.force_login(manager)
    html = page(client, preset="last_30_days").content.decode()
    for label in ("First touch", "Last touch", "Linear", "U-shaped", "Time decay"):
        assert label in html
    assert "more than first touch" in html and "less than first touch" in html
    assert 'id="attribution-export"' in html
    channel = page(client, preset="last_30_days", by="channel", show="customers").content.decode()
    assert "Per channel" in channel and "Email" in channel


def test_page_bad_dates_are_a_form_error(client, manager):
    client.force_login(manager)
    response = page(client, preset="custom", start="2026-02-01", end="2026-01-01")
    assert response.status_code == 200
    assert "Fix the highlighted fields" in response.content.decode()


def test_page_roles(client, marketer, rep, manager):
    assert page(client).status_code == 302
    client.force_login(UserFactory())
    assert page(client).status_code == 403
    for user in (marketer, rep, manager):
        client.force_login(user)
        assert page(client).status_code == 200


def test_csv_is_the_same_table(client, deals, manager):
    client.force_login(manager)
    response = client.get(reverse("metrics:attribution_export"), {"preset": "last_30_days"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Campaign,Channel,Marketing spend,First touch: Customers")
    assert lines[1].startswith("Camp 0,email,0.00,2.0000,2000.00,0.00,")
    assert len(lines) == 4  # header, two campaigns, unattributed
    bad = client.get(reverse("metrics:attribution_export"), {"preset": "custom"})
    assert bad.status_code == 302


@pytest.mark.parametrize("size", [2, 8])
def test_page_query_count_is_constant(
    size, client, marketer, rep, manager, django_assert_num_queries
):
    campaigns = [CampaignFactory(name=f"P{size}-{i}", channel="email") for i in range(size)]
    won_deals(size, marketer=marketer, rep=rep, manager=manager, campaigns=campaigns)
    client.force_login(manager)
    page(client)  # warm the session and the menu's caches
    with django_assert_num_queries(QUERIES_PAGE):
        assert page(client).status_code == 200


QUERIES_PAGE = 8  # session and user, role check, the four reads, the menu's counts
