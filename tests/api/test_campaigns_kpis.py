"""Campaigns, costs, sales costs, users and KPI endpoints."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_campaign_create_patch_and_validation(marketer_api, marketer):
    r = marketer_api.post(
        "/api/v1/campaigns/",
        {
            "name": "Spring",
            "channel": "webinar",
            "start_date": "2026-03-01",
            "budget": "500.00",
            "utm_source": "newsletter",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["owner"] == marketer.pk
    cid = r.json()["id"]
    bad = marketer_api.patch(f"/api/v1/campaigns/{cid}/", {"end_date": "2026-01-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    dup = marketer_api.post(
        "/api/v1/campaigns/",
        {"name": "Spring", "channel": "seo", "start_date": "2026-03-01"},
        format="json",
    )
    assert dup.status_code == 400 and "name" in dup.json()
    ok = marketer_api.patch(f"/api/v1/campaigns/{cid}/", {"status": "active"}, format="json")
    assert ok.json()["status"] == "active"
    listed = marketer_api.get("/api/v1/campaigns/?channel=webinar&status=active").json()
    assert [c["id"] for c in listed["results"]] == [cid]


def test_campaign_costs_refuse_negative_amounts(marketer_api):
    campaign = factories.CampaignFactory()
    url = f"/api/v1/campaigns/{campaign.pk}/costs/"
    assert (
        marketer_api.post(url, {"date": "2026-01-05", "amount": "-1"}, format="json").status_code
        == 400
    )
    created = marketer_api.post(
        url, {"date": "2026-01-05", "amount": "12.50", "note": "ads"}, format="json"
    )
    assert created.status_code == 201 and created.json()["campaign"] == campaign.pk
    listed = marketer_api.get(f"{url}?date_after=2026-01-01").json()["results"]
    assert [c["amount"] for c in listed] == ["12.50"]
    assert marketer_api.get("/api/v1/campaigns/999999/costs/").status_code == 404


def test_sales_costs(manager_api):
    r = manager_api.post(
        "/api/v1/sales-costs/", {"date": "2026-01-31", "amount": "9000"}, format="json"
    )
    assert r.status_code == 201 and r.json()["amount"] == "9000.00"
    assert len(manager_api.get("/api/v1/sales-costs/").json()["results"]) == 1


def test_users_filter_by_role(marketer_api, rep, other_rep, manager):
    ids = {u["id"] for u in marketer_api.get("/api/v1/users/?role=sales").json()["results"]}
    assert ids == {rep.pk, other_rep.pk}


def test_kpi_summary_has_every_key_of_kpis_md(manager_api, world):
    from metrics.kpis import KEYS

    r = manager_api.get("/api/v1/kpis/summary/?start=2021-01-01&end=2030-12-31")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {*KEYS, "start", "end", "computed_at", "stale", "failing_cells"}
    assert isinstance(body["marketing_spend"], str)


def test_kpi_summary_refuses_two_filters_and_bad_ranges(manager_api):
    two = manager_api.get(
        "/api/v1/kpis/summary/?start=2026-01-01&end=2026-01-31&campaign=1&channel=seo"
    )
    assert two.status_code == 400 and "non_field_errors" in two.json()
    assert (
        manager_api.get("/api/v1/kpis/summary/?start=2026-02-01&end=2026-01-01").status_code == 400
    )


def test_kpi_timeseries_and_breakdown(manager_api, world):
    series = manager_api.get(
        "/api/v1/kpis/timeseries/?metric=leads&interval=month&start=2026-01-01&end=2026-03-31"
    ).json()
    assert [p["period_start"] for p in series] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    rows = manager_api.get(
        "/api/v1/kpis/breakdown/?by=channel&start=2026-01-01&end=2026-12-31"
    ).json()
    assert rows[-1]["channel"] is None and "cost_per_lead" in rows[0]
    bad = manager_api.get(
        "/api/v1/kpis/timeseries/?metric=nope&interval=day&start=2026-01-01&end=2026-01-02"
    )
    assert bad.status_code == 400 and "metric" in bad.json()


def test_kpi_recompute_is_queued_with_202(manager_api):
    r = manager_api.post("/api/v1/kpis/recompute/")
    assert r.status_code == 202 and r.json()["task_id"]
