"""kpi_summaries: kpi_summary of several ranges in four queries, identical to one at a time
(on the hand-computed history of tests/metrics/conftest.py)."""

import datetime as dt

import pytest

from metrics import refresh, selectors

pytestmark = pytest.mark.django_db

RANGES = [
    (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    (dt.date(2026, 1, 1), dt.date(2026, 2, 28)),
    (dt.date(2026, 2, 3), dt.date(2026, 2, 4)),  # L2's second mql only
    (dt.date(2025, 1, 1), dt.date(2025, 1, 31)),  # nothing
]


def test_several_ranges_at_once_equal_one_at_a_time(history, django_assert_num_queries) -> None:
    # Given the history's rollups
    refresh.refresh_dirty()
    # When the summaries of five ranges are read together
    with django_assert_num_queries(4):
        together = selectors.kpi_summaries(ranges=RANGES)
    # Then each is the summary of its range alone (without the refresh time)
    for (start, end), summary in zip(RANGES, together, strict=True):
        alone = selectors.kpi_summary(start=start, end=end)
        assert summary == alone, (start, end)


def test_no_range_reads_nothing(db, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert selectors.kpi_summaries(ranges=[]) == []
