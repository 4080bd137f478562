"""The dashboard's pure logic: date presets, comparison periods, changes, targets, sorting."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from metrics import dashboard, dateranges
from metrics.dateranges import Period

D = dt.date


@pytest.mark.parametrize(
    ("preset", "today", "period", "previous"),
    [
        (
            "this_month",
            D(2026, 3, 31),
            (D(2026, 3, 1), D(2026, 3, 31)),
            (D(2026, 2, 1), D(2026, 2, 28)),
        ),
        (
            "this_month",
            D(2026, 11, 23),
            (D(2026, 11, 1), D(2026, 11, 23)),
            (D(2026, 10, 1), D(2026, 10, 23)),
        ),
        (
            "last_month",
            D(2026, 3, 15),
            (D(2026, 2, 1), D(2026, 2, 28)),
            (D(2026, 1, 1), D(2026, 1, 31)),
        ),
        (
            "last_month",
            D(2026, 1, 5),
            (D(2025, 12, 1), D(2025, 12, 31)),
            (D(2025, 11, 1), D(2025, 11, 30)),
        ),
        (
            "quarter",
            D(2026, 11, 23),
            (D(2026, 10, 1), D(2026, 11, 23)),
            (D(2026, 7, 1), D(2026, 8, 23)),
        ),
        (
            "quarter",
            D(2026, 5, 31),
            (D(2026, 4, 1), D(2026, 5, 31)),
            (D(2026, 1, 1), D(2026, 2, 28)),
        ),
        (
            "last_12_months",
            D(2026, 11, 23),
            (D(2025, 11, 24), D(2026, 11, 23)),
            (D(2024, 11, 24), D(2025, 11, 23)),
        ),
    ],
)
def test_presets_and_the_period_they_compare_with(preset, today, period, previous) -> None:
    chosen = dateranges.preset_period(preset, today)
    assert (chosen.start, chosen.end) == period
    before = dateranges.previous_period(chosen, preset)
    assert (before.start, before.end) == previous
    assert before.end < chosen.start


def test_a_custom_range_compares_with_the_same_length_just_before() -> None:
    before = dateranges.previous_period(Period(D(2026, 1, 10), D(2026, 1, 19)), "custom")
    assert (before.start, before.end) == (D(2025, 12, 31), D(2026, 1, 9))


def test_trend_window_is_twelve_calendar_months() -> None:
    window = dateranges.trend_window(D(2026, 11, 23))
    assert (window.start, window.end) == (D(2025, 12, 1), D(2026, 11, 23))


def test_change_is_relative_for_counts_and_in_points_for_rates() -> None:
    leads = dashboard.change("leads", 120, 100)
    assert (leads.amount, leads.points, leads.tone, leads.arrow) == (
        Decimal("0.2"),
        False,
        "good",
        "up",
    )
    rate = dashboard.change("win_rate", Decimal("0.25"), Decimal("0.5"))
    assert (rate.amount, rate.points, rate.tone) == (Decimal("-25.00"), True, "bad")


def test_a_falling_cost_is_good_news() -> None:
    cpl = dashboard.change("cost_per_lead", Decimal("8"), Decimal("10"))
    assert (cpl.tone, cpl.arrow) == ("good", "down")


def test_no_change_without_a_previous_figure() -> None:
    assert dashboard.change("leads", 5, 0).amount is None
    assert dashboard.change("cac", None, Decimal("3")).amount is None


def test_target_attainment_and_tone() -> None:
    check = dashboard.against_target("leads", 90, Decimal("100"))
    assert (check.attainment, check.tone) == (Decimal("0.9"), "bad")
    cac = dashboard.against_target("cac", Decimal("90"), Decimal("100"))
    assert cac.tone == "good"
    assert dashboard.against_target("leads", 1, None) is None


def test_monthly_targets_are_prorated_over_the_range() -> None:
    rows = [
        SimpleNamespace(metric="leads", month=D(2026, 1, 1), value=Decimal("310")),
        SimpleNamespace(metric="leads", month=D(2026, 2, 1), value=Decimal("280")),
        SimpleNamespace(metric="sla_compliance_rate", month=D(2026, 1, 1), value=Decimal("0.9")),
        SimpleNamespace(metric="sla_compliance_rate", month=D(2026, 2, 1), value=Decimal("0.8")),
        SimpleNamespace(metric="revenue", month=D(2026, 1, 1), value=Decimal("1000")),
    ]
    # 10 days of January (of 31) and 14 of February (of 28)
    targets = dashboard.range_targets(rows, D(2026, 1, 22), D(2026, 2, 14))
    assert targets["leads"] == Decimal("100") + Decimal("140")
    assert targets["sla_compliance_rate"] == (Decimal("0.9") * 10 + Decimal("0.8") * 14) / 24
    assert "revenue" not in targets  # February has no revenue target


def test_every_scalar_kpi_has_a_tile() -> None:
    from metrics import kpis

    assert set(dashboard.TILE_KEYS) == set(kpis.KEYS) - kpis.DICT_KEYS


def test_sorting_puts_empty_values_last_either_way() -> None:
    rows = [{"name": "b", "cac": None}, {"name": "a", "cac": 3}, {"name": "C", "cac": 1}]
    up, used = dashboard.sort_rows(rows, "cac", ["name", "cac"], "-cac")
    assert [r["name"] for r in up] == ["C", "a", "b"] and used == "cac"
    down, _ = dashboard.sort_rows(rows, "-cac", ["name", "cac"], "-cac")
    assert [r["name"] for r in down] == ["a", "C", "b"]
    by_name, _ = dashboard.sort_rows(rows, "name", ["name", "cac"], "-cac")
    assert [r["name"] for r in by_name] == ["a", "b", "C"]
    fallback, used = dashboard.sort_rows(rows, "password", ["name", "cac"], "-cac")
    assert used == "-cac" and fallback == down
