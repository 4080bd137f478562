"""The full recompute fanned out by month (`recompute_kpis --fanout`): the same rows as the
single-process recompute, through a real worker too; idempotent; a failed month is retried
by the incremental refresh and never spoils the others."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from handoff import services as flow
from leads import services as leads_services
from metrics import fanout, refresh
from metrics.models import CampaignDay, DirtyCell, RecomputeChunk
from tests import factories
from tests.metrics.test_refresh_property import snapshot


def three_months(manager, rep) -> None:
    """Leads, moves and costs in January, February and March 2026 (some cross months)."""
    campaign = factories.CampaignFactory()
    start = dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC)
    for n in range(8):
        at = start + dt.timedelta(days=7 * n)
        lead = flow.lead_capture(
            actor=manager, email=f"f{n}@example.com", campaign_id=campaign.pk, created_at=at
        )
        flow.lead_qualify(lead_id=lead.pk, actor=manager, at=at + dt.timedelta(days=1))
        flow.lead_handoff(
            lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=at + dt.timedelta(days=2)
        )
        if n % 2:
            flow.lead_accept(lead_id=lead.pk, actor=manager, at=at + dt.timedelta(days=12))
    leads_services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=manager,
        date=dt.date(2026, 1, 25),
        end_date=dt.date(2026, 2, 10),
        amount=Decimal("1000.00"),
    )
    leads_services.sales_cost_add(actor=manager, date=dt.date(2026, 3, 2), amount=Decimal("70"))


def single_process_rows() -> dict:
    refresh.recompute_all()
    return snapshot()


@pytest.mark.django_db
def test_fanout_in_process_equals_the_single_recompute_and_is_idempotent(manager, rep):
    # Given a history over three months, recomputed in one process
    three_months(manager, rep)
    expected = single_process_rows()
    CampaignDay.objects.all().delete()
    # When the recompute fans out by month (tasks run in process here), twice
    for _ in range(2):
        out = StringIO()
        call_command("recompute_kpis", "--fanout", stdout=out)
        # Then every month is done and the rows are those of the single recompute
        assert "monthly chunk(s)" in out.getvalue() and "0 failed" in out.getvalue()
        assert snapshot() == expected
    assert not DirtyCell.objects.exists()
    assert set(RecomputeChunk.objects.values_list("status", flat=True)) == {"done"}


@pytest.mark.django_db
def test_a_failed_month_leaves_the_others_right_and_is_retried_by_the_refresh(manager, rep):
    three_months(manager, rep)
    expected = single_process_rows()
    CampaignDay.objects.all().delete()
    # Given a fanned-out run whose February chunk fails (its worker died) and the others run
    began = timezone.now()
    run = fanout.plan()
    chunks = list(RecomputeChunk.objects.filter(run=run).order_by("first"))
    assert [c.first.month for c in chunks][:3] == [1, 2, 3]
    for chunk in chunks:
        if chunk.first.month == 2:
            fanout.mark_failed(chunk.pk, RuntimeError("worker lost"))
        else:
            fanout.run_chunk(chunk.pk)
    fanout.finish(run, full=True, began=began)
    # Then January and March are right, February is empty but marked dirty with the error
    rows = snapshot()["CampaignDay"]
    assert [r for r in rows if r[0].month != 2] == [
        r for r in expected["CampaignDay"] if r[0].month != 2
    ]
    failed = DirtyCell.objects.filter(day__month=2)
    assert failed.exists() and all("worker lost" in c.last_error for c in failed)
    # When the retry time has passed and the incremental refresh runs
    DirtyCell.objects.update(retry_at=timezone.now() - dt.timedelta(seconds=1))
    refresh.refresh_dirty()
    # Then every row equals the single recompute
    assert snapshot() == expected
    assert not DirtyCell.objects.exists()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fanout_through_a_real_worker_equals_the_single_recompute(
    celery_worker_process, manager, rep
):
    # Given committed history and a running worker
    three_months(manager, rep)
    expected = single_process_rows()
    CampaignDay.objects.all().delete()
    # When the command queues the monthly group on Redis and waits
    out = StringIO()
    call_command("recompute_kpis", "--fanout", "--timeout", "60", stdout=out)
    # Then the worker ran every month and the rows are those of the single recompute
    assert "0 failed, 0 unfinished" in out.getvalue(), out.getvalue()
    assert snapshot() == expected
    assert RecomputeChunk.objects.filter(status="done").count() >= 3
