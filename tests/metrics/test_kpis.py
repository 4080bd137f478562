"""Pure KPI functions: ratios from summed parts and the API number format."""

import datetime as dt
from decimal import Decimal

from metrics import kpis


def test_every_key_has_exactly_one_kind():
    kinds = [kpis.MONEY_KEYS, kpis.COUNT_KEYS, kpis.RATE_KEYS, kpis.DICT_KEYS]
    for key in kpis.KEYS:
        assert sum(key in kind for kind in kinds) == 1, key
    assert set().union(*kinds) == set(kpis.KEYS)


def test_ratio_is_null_on_a_zero_or_missing_denominator():
    assert kpis.ratio(5, 0) is None
    assert kpis.ratio(None, 3) is None
    assert kpis.ratio(Decimal("1"), None) is None
    assert kpis.ratio(1, 3) == Decimal(1) / Decimal(3)


def test_means_of_durations_in_hours_and_days():
    assert kpis.mean_hours(dt.timedelta(hours=27, minutes=30), 2) == Decimal("13.75")
    assert kpis.mean_days(dt.timedelta(days=3, hours=12), 2) == Decimal("1.75")
    assert kpis.mean_hours(dt.timedelta(0), 0) is None


def test_money_is_a_two_place_string_rounded_half_up():
    assert kpis.format_value("revenue", Decimal("1234.5")) == "1234.50"
    assert kpis.format_value("cost_per_lead", Decimal("0.005")) == "0.01"
    assert kpis.format_value("cost_per_lead", Decimal("2.675")) == "2.68"
    assert kpis.format_value("cac", None) is None


def test_rates_are_numbers_rounded_half_up_to_four_places():
    assert kpis.format_value("win_rate", Decimal("0.33335")) == 0.3334
    assert kpis.format_value("romi", Decimal("-0.00005")) == -0.0001
    assert kpis.format_value("avg_response_hours", Decimal(1) / Decimal(3)) == 0.3333
    assert kpis.format_value("leads", 7) == 7


def test_compute_under_an_owner_filter_leaves_spend_keys_null():
    parts = {
        **dict.fromkeys(
            [
                "leads",
                "mqls",
                "handoffs",
                "opportunities",
                "customers",
                "lost",
                "accepted",
                "rejected",
            ],
            2,
        ),
        "sla_met": 1,
        "sla_breached": 1,
        "revenue": Decimal("100"),
        "marketing_spend": None,
        "sales_cost": None,
        "rejections": {"spam": 2, "other": 0},
        "sales_cycle_total": dt.timedelta(days=4),
        "response_total": dt.timedelta(hours=3),
        "response_count": 2,
        "rating_sum": 7,
        "rating_count": 2,
        "cohort_customers": 1,
    }
    result = kpis.compute(parts)
    assert [result[k] for k in sorted(kpis.SPEND_KEYS)] == [None] * len(kpis.SPEND_KEYS)
    assert result["cac"] is None
    assert result["rejections_by_reason"] == {"spam": 2}
    assert (result["avg_sales_cycle_days"], result["avg_response_hours"]) == (2, Decimal("1.5"))
    assert (result["win_rate"], result["close_rate"], result["avg_quality_rating"]) == (
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("3.5"),
    )
    api = kpis.format_for_api({"start": dt.date(2026, 1, 1), **result})
    assert api["start"] == "2026-01-01" and api["revenue"] == "100.00"
