"""The refresh through a real Celery worker on Redis, and the recompute command."""

import datetime as dt
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from handoff import services as flow
from metrics import selectors, tasks
from metrics.models import CampaignDay, DirtyCell
from tests import factories


@pytest.mark.postgres
@pytest.mark.redis
# The worker needs committed rows (transactional); serialized_rollback puts back the roles
# the migrations created, which the flush after the test would otherwise remove.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_reaches_the_summary_through_a_real_worker(celery_worker_process, manager, rep):
    # Given a committed MQL and a running worker
    campaign = factories.CampaignFactory()
    lead = flow.lead_capture(actor=manager, email="w@example.com", campaign_id=campaign.pk)
    flow.lead_qualify(lead_id=lead.pk, actor=manager)
    today = timezone.localdate()

    # When it is handed off through the service (the refresh is queued on commit)
    flow.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=rep.pk)

    # Then the worker refreshes the dirty cells and the summary shows the handoff
    deadline = time.monotonic() + 30
    summary = {}
    while time.monotonic() < deadline:
        summary = selectors.kpi_summary(start=today, end=today, campaign=campaign.pk)
        if summary["handoffs"] == 1 and not DirtyCell.objects.exists():
            break
        time.sleep(0.2)
    assert (summary["leads"], summary["mqls"], summary["handoffs"]) == (1, 1, 1)
    assert selectors.kpi_summary(start=today, end=today, owner=rep.pk)["handoffs"] == 1
    assert summary["computed_at"] is not None


@pytest.mark.django_db
def test_recompute_task_and_command_rebuild_the_rows(manager):
    campaign = factories.CampaignFactory()
    flow.lead_capture(
        actor=manager,
        email="r@example.com",
        campaign_id=campaign.pk,
        created_at=dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC),
    )
    tasks.recompute_all.delay(start="2026-04-01", end="2026-04-30")
    assert CampaignDay.objects.get(campaign=campaign).leads == 1
    CampaignDay.objects.all().delete()
    call_command("recompute_kpis", "--start", "2026-04-01", "--end", "2026-04-03")
    assert CampaignDay.objects.get(campaign=campaign).leads == 1
    with pytest.raises(CommandError, match="after"):
        call_command("recompute_kpis", "--start", "2026-04-03", "--end", "2026-04-01")
