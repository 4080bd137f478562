"""Refreshes racing with moves on PostgreSQL: nothing lost, nothing counted twice."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from handoff import services as flow
from metrics import refresh, selectors
from metrics.models import DirtyCell
from tests import factories
from tests.metrics.test_refresh_property import snapshot


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refreshes_racing_with_captures_end_equal_to_a_full_recompute():
    # Given two writers capturing and qualifying leads while two refreshers run
    manager = factories.UserFactory(role="manager")
    campaigns = [factories.CampaignFactory() for _ in range(3)]
    errors: list[BaseException] = []
    writing = threading.Event()

    def writer(offset: int) -> None:
        try:
            for i in range(25):
                lead = flow.lead_capture(
                    actor=manager,
                    email=f"race{offset}-{i}@example.com",
                    campaign_id=campaigns[i % 3].pk,
                )
                flow.lead_qualify(lead_id=lead.pk, actor=manager)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def refresher() -> None:
        try:
            while writing.is_set():
                refresh.refresh_dirty(batch_size=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    writing.set()
    refreshers = [threading.Thread(target=refresher) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in refreshers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    for thread in refreshers:
        thread.join()

    # When the last dirty cells are refreshed
    refresh.refresh_dirty()
    incremental = snapshot()
    refresh.recompute_all()

    # Then no refresh failed, no dirty cell is left, and the rows equal a full recompute
    assert not errors, errors
    assert not DirtyCell.objects.exists()
    assert incremental == snapshot()
    summary = selectors.kpi_summary(start=timezone.localdate(), end=timezone.localdate())
    assert (summary["leads"], summary["mqls"]) == (50, 50)
