"""Every key of kpis.md on the hand-computed history of tests/metrics/conftest.py.

The expected numbers below are written out by hand from the story in that docstring
(formatted as the API shows them: money strings, rates rounded half-up to 4 places).
"""

import datetime as dt

import pytest

from metrics import kpis, refresh, selectors

JAN = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
FEB = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
BOTH = (dt.date(2026, 1, 1), dt.date(2026, 2, 28))

# January: leads L1 L2 L3 L4 L5 L9; mqls L1 L3 L4 L5 L9 (L2's is Feb 1);
# handoffs H1 H3a H3b H4a H4b H5 H9; answers H1 H3b H5 H9 accepted, H4b rejected
# (responded Jan 22, rejected later); opps O1 O3 O5 O9; O5 won, O3 lost.
JANUARY = {
    "marketing_spend": "1500.00",
    "sales_cost": "2000.00",
    "leads": 6,
    "mqls": 5,
    "handoffs": 7,
    "accepted": 4,
    "rejected": 1,
    "opportunities": 4,
    "customers": 1,
    "lost": 1,
    "revenue": "2000.00",
    "rejections_by_reason": {"not_a_fit": 1},
    "cost_per_lead": "250.00",
    "cost_per_mql": "300.00",
    "cost_per_opportunity": "375.00",
    "paid_cac": "1500.00",
    "cac": "3500.00",
    "romi": 0.3333,  # (2000 - 1500) / 1500
    "acceptance_rate": 0.8,  # 4 / 5
    "win_rate": 0.5,
    "avg_deal_size": "2000.00",
    "avg_sales_cycle_days": 14.0,  # O5: Jan 16 09:00 -> Jan 30 09:00
    "avg_quality_rating": 3.6,  # 4 5 3 5 1
    "close_rate": 0.5,  # L1 L5 L9 won, of 6
    "sla_met": 5,  # H1 H3b H4b H5 H9 (H9 answered exactly at due)
    "sla_breached": 1,  # H4a reassigned after due; H3a reassigned before due: neither
    "sla_compliance_rate": 0.8333,
    "avg_response_hours": 9.6,  # 5 12 6 1 24
}
# February: leads L6 L7 L8 L10; mqls L2 (twice, counted once) L6 L10; handoffs H2 H6 H10;
# H2 and H10 rejected; O1 won Feb 3, O9 won Feb 28 23:30 local (Mar 1 in UTC).
FEBRUARY = {
    "marketing_spend": "600.00",
    "sales_cost": "1000.00",
    "leads": 4,
    "mqls": 3,
    "handoffs": 3,
    "accepted": 0,
    "rejected": 2,
    "opportunities": 0,
    "customers": 2,
    "lost": 0,
    "revenue": "15000.00",
    "rejections_by_reason": {"no_budget": 1, "other": 1},
    "cost_per_lead": "150.00",
    "cost_per_mql": "200.00",
    "cost_per_opportunity": None,
    "paid_cac": "300.00",
    "cac": "800.00",
    "romi": 24.0,
    "acceptance_rate": 0.0,
    "win_rate": 1.0,
    "avg_deal_size": "7500.00",
    "avg_sales_cycle_days": 29.2813,  # (26 + 32.5625) / 2 = 29.28125, half-up
    "avg_quality_rating": 2.0,  # H2 only (H10 has no rating)
    "close_rate": 0.0,
    "sla_met": 1,  # H10
    "sla_breached": 2,  # H2 late, H6 never answered
    "sla_compliance_rate": 0.3333,
    "avg_response_hours": 14.0,  # 27 and 1
}
BOTH_MONTHS = {
    "marketing_spend": "2100.00",
    "sales_cost": "3000.00",
    "leads": 10,
    "mqls": 8,
    "handoffs": 10,
    "accepted": 4,
    "rejected": 3,
    "opportunities": 4,
    "customers": 3,
    "lost": 1,
    "revenue": "17000.00",
    "rejections_by_reason": {"no_budget": 1, "not_a_fit": 1, "other": 1},
    "cost_per_lead": "210.00",
    "cost_per_mql": "262.50",
    "cost_per_opportunity": "525.00",
    "paid_cac": "700.00",
    "cac": "1700.00",
    "romi": 7.0952,  # 14900 / 2100
    "acceptance_rate": 0.5714,  # 4 / 7
    "win_rate": 0.75,
    "avg_deal_size": "5666.67",
    "avg_sales_cycle_days": 24.1875,  # (14 + 26 + 32.5625) / 3
    "avg_quality_rating": 3.3333,  # 20 / 6
    "close_rate": 0.3,
    "sla_met": 6,
    "sla_breached": 3,
    "sla_compliance_rate": 0.6667,
    "avg_response_hours": 10.8571,  # 76 / 7
}
# C1 (L1 L2 L9) over both months.
CAMPAIGN_C1 = {
    "marketing_spend": "1500.00",
    "sales_cost": None,
    "leads": 3,
    "mqls": 3,
    "handoffs": 3,
    "accepted": 2,
    "rejected": 1,
    "opportunities": 2,
    "customers": 2,
    "lost": 0,
    "revenue": "15000.00",
    "rejections_by_reason": {"no_budget": 1},
    "cost_per_lead": "500.00",
    "cost_per_mql": "500.00",
    "cost_per_opportunity": "750.00",
    "paid_cac": "750.00",
    "cac": None,
    "romi": 9.0,
    "acceptance_rate": 0.6667,
    "win_rate": 1.0,
    "avg_deal_size": "7500.00",
    "avg_sales_cycle_days": 29.2813,
    "avg_quality_rating": 3.6667,  # 4 5 2
    "close_rate": 0.6667,
    "sla_met": 2,
    "sla_breached": 1,
    "sla_compliance_rate": 0.6667,
    "avg_response_hours": 18.6667,  # 5 24 27
}
# paid_search = C1 + C2 (L1 L2 L9 + L3) in January.
CHANNEL_PAID_SEARCH_JANUARY = {
    "marketing_spend": "1300.00",
    "sales_cost": None,
    "leads": 4,
    "mqls": 3,
    "handoffs": 4,
    "accepted": 3,
    "rejected": 0,
    "opportunities": 3,
    "customers": 0,
    "lost": 1,
    "revenue": "0.00",
    "rejections_by_reason": {},
    "cost_per_lead": "325.00",
    "cost_per_mql": "433.33",
    "cost_per_opportunity": "433.33",
    "paid_cac": None,
    "cac": None,
    "romi": -1.0,
    "acceptance_rate": 1.0,
    "win_rate": 0.0,
    "avg_deal_size": None,
    "avg_sales_cycle_days": None,
    "avg_quality_rating": 4.6667,  # 4 5 5
    "close_rate": 0.5,  # L1 L9 won of L1 L2 L3 L9
    "sla_met": 3,
    "sla_breached": 0,
    "sla_compliance_rate": 1.0,
    "avg_response_hours": 13.6667,  # 5 24 12
}
# Rep A over both months: owns L1 L6 L9; assignee of H1 H3a H4a H6 H9; owns O1 O9.
OWNER_A = {
    "marketing_spend": None,
    "sales_cost": None,
    "leads": 3,
    "mqls": 3,
    "handoffs": 5,
    "accepted": 2,
    "rejected": 0,
    "opportunities": 2,
    "customers": 2,
    "lost": 0,
    "revenue": "15000.00",
    "rejections_by_reason": {},
    "cost_per_lead": None,
    "cost_per_mql": None,
    "cost_per_opportunity": None,
    "paid_cac": None,
    "cac": None,
    "romi": None,
    "acceptance_rate": 1.0,
    "win_rate": 1.0,
    "avg_deal_size": "7500.00",
    "avg_sales_cycle_days": 29.2813,
    "avg_quality_rating": 4.5,
    "close_rate": 0.6667,
    "sla_met": 2,
    "sla_breached": 2,  # H4a reassigned late, H6 never answered
    "sla_compliance_rate": 0.5,
    "avg_response_hours": 14.5,
}
# Rep B over both months: owns L3 L4 L5 L10; assignee of H2 H3b H4b H5 H10; owns O3 O5.
OWNER_B = {
    "marketing_spend": None,
    "sales_cost": None,
    "leads": 4,
    "mqls": 4,
    "handoffs": 5,
    "accepted": 2,
    "rejected": 3,
    "opportunities": 2,
    "customers": 1,
    "lost": 1,
    "revenue": "2000.00",
    "rejections_by_reason": {"no_budget": 1, "not_a_fit": 1, "other": 1},
    "cost_per_lead": None,
    "cost_per_mql": None,
    "cost_per_opportunity": None,
    "paid_cac": None,
    "cac": None,
    "romi": None,
    "acceptance_rate": 0.4,
    "win_rate": 0.5,
    "avg_deal_size": "2000.00",
    "avg_sales_cycle_days": 14.0,
    "avg_quality_rating": 2.75,  # 2 5 1 3
    "close_rate": 0.25,
    "sla_met": 4,
    "sla_breached": 1,
    "sla_compliance_rate": 0.8,
    "avg_response_hours": 9.4,  # 27 12 6 1 1
}


def api(summary: dict) -> dict:
    formatted = kpis.format_for_api(summary)
    return {key: formatted[key] for key in kpis.KEYS}


def assert_summary(expected: dict, **query) -> None:
    got = api(selectors.kpi_summary(**query))
    assert set(expected) == set(kpis.KEYS)
    mismatches = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
    assert not mismatches, f"(got, expected) for {query}: {mismatches}"


@pytest.fixture(params=["incremental", "full"])
def refreshed(request, history):
    """The history's rollups, from the dirty cells or from a full recompute."""
    if request.param == "incremental":
        refresh.refresh_dirty()
    else:
        refresh.recompute_all()
    return history


@pytest.mark.django_db
class TestSummaryByHand:
    def test_january(self, refreshed):
        assert_summary(JANUARY, start=JAN[0], end=JAN[1])

    def test_february_counts_late_evening_local_times_in_february(self, refreshed):
        assert_summary(FEBRUARY, start=FEB[0], end=FEB[1])

    def test_both_months_count_a_twice_qualified_lead_once(self, refreshed):
        assert_summary(BOTH_MONTHS, start=BOTH[0], end=BOTH[1])

    def test_campaign_filter(self, refreshed):
        assert_summary(CAMPAIGN_C1, start=BOTH[0], end=BOTH[1], campaign=refreshed.c1.pk)

    def test_channel_filter(self, refreshed):
        assert_summary(CHANNEL_PAID_SEARCH_JANUARY, start=JAN[0], end=JAN[1], channel="paid_search")

    def test_owner_filter_rep_a(self, refreshed):
        assert_summary(OWNER_A, start=BOTH[0], end=BOTH[1], owner=refreshed.a.pk)

    def test_owner_filter_rep_b(self, refreshed):
        assert_summary(OWNER_B, start=BOTH[0], end=BOTH[1], owner=refreshed.b.pk)

    def test_single_day_at_the_time_zone_edge(self, refreshed):
        # Jan 31 holds L2's creation (23:30 local) and C3's 200 of spend, nothing else.
        got = api(selectors.kpi_summary(start=dt.date(2026, 1, 31), end=dt.date(2026, 1, 31)))
        assert (got["leads"], got["marketing_spend"], got["cost_per_lead"]) == (
            1,
            "200.00",
            "200.00",
        )
        assert (got["mqls"], got["close_rate"], got["sales_cost"], got["cac"]) == (
            0,
            0.0,
            "0.00",
            None,
        )


@pytest.mark.django_db
class TestSeriesAndBreakdownByHand:
    def test_monthly_series_of_leads_mqls_and_cost_per_lead(self, refreshed):
        def series(metric: str) -> list:
            rows = selectors.kpi_timeseries(
                metric=metric, interval="month", start=BOTH[0], end=BOTH[1]
            )
            return [(r["period_start"], kpis.format_value(metric, r["value"])) for r in rows]

        assert series("leads") == [(dt.date(2026, 1, 1), 6), (dt.date(2026, 2, 1), 4)]
        assert series("mqls") == [(dt.date(2026, 1, 1), 5), (dt.date(2026, 2, 1), 3)]
        assert series("cost_per_lead") == [
            (dt.date(2026, 1, 1), "250.00"),
            (dt.date(2026, 2, 1), "150.00"),
        ]

    def test_weekly_series_starts_on_monday_and_clips_to_the_range(self, refreshed):
        rows = selectors.kpi_timeseries(metric="mqls", interval="week", start=FEB[0], end=FEB[1])
        assert [(r["period_start"], r["value"]) for r in rows] == [
            (dt.date(2026, 1, 26), 1),  # only Sunday Feb 1 is in range: L2
            (dt.date(2026, 2, 2), 2),  # L10 Feb 2, L2 again Feb 4
            (dt.date(2026, 2, 9), 1),  # L6
            (dt.date(2026, 2, 16), 0),
            (dt.date(2026, 2, 23), 0),
        ]

    def test_daily_series_with_owner_filter(self, refreshed):
        rows = selectors.kpi_timeseries(
            metric="handoffs",
            interval="day",
            start=dt.date(2026, 1, 10),
            end=dt.date(2026, 1, 12),
            owner=refreshed.a.pk,
        )
        assert [r["value"] for r in rows] == [1, 0, 0]  # H3a on Jan 10; H3b went to B

    def test_breakdown_by_campaign_has_unattributed_row_and_sums_to_total(self, refreshed):
        rows = selectors.kpi_breakdown(by="campaign", start=BOTH[0], end=BOTH[1])
        by_name = {r["name"]: api(r) for r in rows}
        assert list(by_name) == ["C1 search", "C2 search", "C3 webinar", "Unattributed"]
        assert by_name["C1 search"] == CAMPAIGN_C1
        assert {n: r["leads"] for n, r in by_name.items()} == {
            "C1 search": 3,
            "C2 search": 3,
            "C3 webinar": 2,
            "Unattributed": 2,
        }
        assert by_name["Unattributed"]["marketing_spend"] == "0.00"
        assert by_name["Unattributed"]["customers"] == 1  # L5's O5

    def test_breakdown_by_channel(self, refreshed):
        rows = selectors.kpi_breakdown(by="channel", start=JAN[0], end=JAN[1])
        assert [r["channel"] for r in rows] == ["paid_search", "webinar", None]
        assert api(rows[0]) == CHANNEL_PAID_SEARCH_JANUARY
        assert (rows[1]["leads"], rows[1]["marketing_spend"]) == (1, 200)

    def test_breakdown_by_owner(self, refreshed):
        rows = selectors.kpi_breakdown(by="owner", start=BOTH[0], end=BOTH[1])
        by_owner = {r["owner"]: api(r) for r in rows}
        assert by_owner[refreshed.a.pk] == OWNER_A
        assert by_owner[refreshed.b.pk] == OWNER_B
        assert (by_owner[None]["leads"], by_owner[None]["mqls"]) == (3, 1)  # L2 L7 L8
        assert rows[-1]["name"] == "Unassigned"
