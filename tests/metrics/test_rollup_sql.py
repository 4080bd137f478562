"""The set-based rollups on PostgreSQL: the grouped refresh of all dirty cells equals a full
recompute and the portable ORM path after random moves (hypothesis), in a fixed number of
statements however many cells are dirty."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from handoff import services as flow
from leads import services as leads_services
from leads.errors import DomainError
from leads.models import Channel
from metrics import refresh, rollups
from metrics.models import CampaignDay, DirtyCell, MqlRepeat, OwnerDay, SalesCostDay
from metrics.rollup_scope import Scope
from tests import factories
from tests.metrics.test_refresh_property import ZONE, RandomHistory, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def portable_recompute() -> dict[str, list[tuple]]:
    """Every row rebuilt by the ORM path (the SQLite default), rolled back afterwards."""
    window = refresh.history_window()
    with transaction.atomic():
        for model in (CampaignDay, OwnerDay, MqlRepeat, SalesCostDay):
            model.objects.all().delete()
        if window:
            rollups.rebuild(Scope.window(*window, timezone.now(), portable=True))
        rows = snapshot()
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def people(settings, manager, rep, other_rep):
    settings.TIME_ZONE = ZONE
    campaigns = [
        factories.CampaignFactory(channel=Channel.EMAIL),
        factories.CampaignFactory(channel=Channel.EVENTS),
    ]
    return manager, [rep, other_rep], campaigns


@hsettings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rng=st.randoms(use_true_random=False), steps=st.integers(10, 60))
def test_grouped_refresh_equals_full_recompute_and_the_portable_path(people, caplog, rng, steps):
    manager, reps, campaigns = people
    caplog.clear()
    with transaction.atomic():  # each example starts from the same empty history
        # Given random moves, refreshed (all dirty cells at once) at random points
        history = RandomHistory(0, manager, reps, campaigns)
        history.rng = rng
        for _ in range(steps):
            with contextlib.suppress(DomainError):
                history.step()
            if rng.random() < 0.15:
                refresh.refresh_dirty()
        refresh.refresh_dirty()
        assert not DirtyCell.objects.exists()
        incremental = snapshot()
        # When everything is rebuilt by the set-based recompute, and by the ORM path
        refresh.recompute_all()
        full = snapshot()
        portable = portable_recompute()
        # Then the three agree row for row
        assert incremental == full
        assert full == portable
        # And the set-based path did it (no fallback to the portable one)
        assert "grouped KPI refresh failed" not in caplog.text
        transaction.set_rollback(True)


def _history(manager, rep, campaigns, days: int) -> None:
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    for n in range(days):
        at = start + dt.timedelta(days=n)
        lead = flow.lead_capture(
            actor=manager,
            email=f"q{n}@example.com",
            campaign_id=campaigns[n % len(campaigns)].pk,
            created_at=at,
        )
        flow.lead_qualify(lead_id=lead.pk, actor=manager, at=at + dt.timedelta(hours=1))
        flow.lead_handoff(
            lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=at + dt.timedelta(hours=2)
        )
        leads_services.sales_cost_add(actor=manager, date=at.date(), amount=Decimal("100"))


def _dirty(days: int, campaigns, owners) -> set:
    first = dt.date(2026, 3, 1)
    cells = set()
    for n in range(days):
        day = first + dt.timedelta(days=n)
        cells |= refresh.cells_for([day], [c.pk for c in campaigns] + [None], owners)
        cells.add((day, "sales", 0))
    return cells


def test_refresh_runs_the_same_statements_for_one_cell_or_hundreds(
    people, django_assert_max_num_queries
):
    # Given a month of history, fully computed
    manager, reps, campaigns = people
    _history(manager, reps[0], campaigns, 30)
    refresh.recompute_all()
    expected = snapshot()
    counts = []
    for days in (1, 30):
        # When the cells of 1 day (5 cells) or 30 days (150 cells) are dirty
        refresh.insert_cells(_dirty(days, campaigns, [reps[0].pk, None]))
        # 17 statements (bench/EXPLAIN-refresh.md) + the savepoint pair of the test transaction
        with django_assert_max_num_queries(19), CaptureQueriesContext(connection) as queries:
            refresh.refresh_dirty()
        counts.append(len(queries))
        # Then the rows are the same, the grouped path did it, and no cell is left
        assert not any(q["sql"].startswith("ROLLBACK") for q in queries.captured_queries)
        assert snapshot() == expected
        assert not DirtyCell.objects.exists()
    # And the statement count does not grow with the number of cells
    assert counts[0] == counts[1], counts
