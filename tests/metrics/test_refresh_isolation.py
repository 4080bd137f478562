"""Issue 10, finding 1: one row the refresh cannot compute never stops the others.

The poisoned rows are written past the services and past the database bounds (the test
drops a bound constraint inside its own transaction), as an old row from before the bounds
or hand-written SQL would be. Real PostgreSQL.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from handoff import services as flow
from handoff.models import LeadEvent
from leads import services as leads_services
from leads.models import CampaignCost
from metrics import cell_failures, freshness, refresh, selectors
from metrics.models import CampaignDay, DirtyCell
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NY = ZoneInfo("America/New_York")
DAY = dt.date(2026, 1, 10)
OTHER_DAY = dt.date(2026, 1, 12)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=NY)


def drop_bounds() -> None:
    """The poisoned rows predate the bounds: drop three of them for this test's transaction
    only (before anything is written: PostgreSQL alters no table with pending checks)."""
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "handoff_leadevent" DROP CONSTRAINT "leadevent_at_in_window"')
        cursor.execute(
            'ALTER TABLE "leads_campaigncost" DROP CONSTRAINT "campaigncost_date_in_window"'
        )
        cursor.execute('ALTER TABLE "leads_lead" DROP CONSTRAINT "lead_created_at_in_window"')


@pytest.fixture
def world(settings, django_db_setup, django_db_blocker):
    """Campaigns good and bad, a lead in each on DAY (the bad one qualified), a lead in the
    good campaign on OTHER_DAY, rollups fully computed."""
    drop_bounds()
    manager = factories.UserFactory(role="manager")
    settings.TIME_ZONE = "America/New_York"
    good, bad = factories.CampaignFactory(), factories.CampaignFactory()
    flow.lead_capture(
        actor=manager, email="g@example.com", campaign_id=good.pk, created_at=at(DAY, 10)
    )
    flow.lead_capture(
        actor=manager, email="g2@example.com", campaign_id=good.pk, created_at=at(OTHER_DAY, 10)
    )
    lead = flow.lead_capture(
        actor=manager, email="b@example.com", campaign_id=bad.pk, created_at=at(DAY, 9)
    )
    flow.lead_qualify(lead_id=lead.pk, actor=manager, at=at(DAY, 11))
    refresh.recompute_all()
    assert not DirtyCell.objects.exists()
    return {"good": good, "bad": bad, "lead": lead, "manager": manager}


def poison_mql_in_year_one(lead) -> None:
    """An mql move at 0001-01-01T00:00Z: its day in New York is in 1 BC, which no Python
    date can hold, so every cell that looks back at the lead's earlier mql fails."""
    LeadEvent.objects.create(
        lead=lead,
        action="qualified",
        from_status="new",
        to_status="mql",
        at=dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    )


def spend(world, campaign, amount: str, day: dt.date = DAY) -> None:
    leads_services.campaign_cost_add(
        campaign_id=campaign.pk, actor=world["manager"], date=day, amount=Decimal(amount)
    )


def test_a_poisoned_cell_is_recorded_and_the_others_still_refresh(world):
    # Given a poisoned row behind the bad campaign's cell
    poison_mql_in_year_one(world["lead"])
    # When spend is logged on DAY for both campaigns and the refresh runs
    spend(world, world["good"], "100")
    spend(world, world["bad"], "50")
    before = timezone.now()
    rebuilt = refresh.refresh_dirty()
    # Then the good campaign's cell is refreshed
    good_row = CampaignDay.objects.get(day=DAY, campaign=world["good"])
    assert good_row.marketing_spend == Decimal("100") and good_row.leads == 1
    assert rebuilt == 1
    # And the bad cell is recorded: its row kept with one attempt, the error, a later retry
    failed = DirtyCell.objects.get()
    assert (failed.day, failed.dimension, failed.ref) == (DAY, "campaign", world["bad"].pk)
    assert failed.attempts == 1 and failed.last_error
    assert failed.retry_at > before + dt.timedelta(seconds=50)
    # And the bad campaign keeps its last good numbers (the savepoint rolled its try back)
    assert CampaignDay.objects.get(day=DAY, campaign=world["bad"]).marketing_spend == 0


def test_a_failed_cell_waits_for_its_backoff_then_counts_again(world):
    poison_mql_in_year_one(world["lead"])
    spend(world, world["bad"], "50")
    refresh.refresh_dirty()
    # When the refresh runs again before the retry time, the cell is not tried
    refresh.refresh_dirty()
    assert DirtyCell.objects.get().attempts == 1
    # When the retry time has passed, it is tried again and counted, with a longer wait
    DirtyCell.objects.update(retry_at=timezone.now() - dt.timedelta(seconds=1))
    refresh.refresh_dirty()
    cell = DirtyCell.objects.get()
    assert cell.attempts == 2
    assert cell.retry_at - timezone.now() > dt.timedelta(seconds=100)
    # When the bad row is fixed, the next retry clears the cell and the numbers catch up
    LeadEvent.objects.filter(at__lt=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).delete()
    DirtyCell.objects.update(retry_at=timezone.now() - dt.timedelta(seconds=1))
    refresh.refresh_dirty()
    assert not DirtyCell.objects.exists()
    assert CampaignDay.objects.get(day=DAY, campaign=world["bad"]).marketing_spend == 50


def test_a_full_recompute_survives_the_poison_and_records_the_bad_day(world):
    # Given a poisoned row and new spend on both days
    poison_mql_in_year_one(world["lead"])
    CampaignCost.objects.create(campaign=world["good"], date=OTHER_DAY, amount=Decimal("70"))
    # When every rollup is recomputed (recompute_kpis)
    refresh.recompute_all()
    # Then the other days and cells are rebuilt
    assert CampaignDay.objects.get(day=OTHER_DAY, campaign=world["good"]).marketing_spend == 70
    # And the bad day is recorded as failed cells for the incremental refresh to retry
    failed = set(DirtyCell.objects.values_list("day", "dimension", "attempts"))
    assert (DAY, "campaign", 1) in failed
    assert all(day == DAY for day, _, _ in failed)


def test_a_cost_dated_9999_is_recorded_and_never_blocks_the_refresh(world):
    # Given an old spend entry dated 9999-12-31 (written before the bounds existed)
    bad_cost = CampaignCost.objects.create(
        campaign=world["bad"], date=dt.date(9999, 12, 31), amount=Decimal("1")
    )
    refresh.insert_cells({(dt.date(9999, 12, 31), "campaign", world["bad"].pk)})
    spend(world, world["good"], "100")
    # When the refresh and a full recompute run, neither fails
    refresh.refresh_dirty()
    refresh.recompute_all()
    # Then the good cell is refreshed and the old row is named on its failed cell
    assert CampaignDay.objects.get(day=DAY, campaign=world["good"]).marketing_spend == 100
    failed = DirtyCell.objects.get()
    assert failed.day == dt.date(9999, 12, 31) and "outside the KPI window" in failed.last_error
    # When the row is deleted, the next retry clears the cell
    bad_cost.delete()
    DirtyCell.objects.update(retry_at=timezone.now() - dt.timedelta(seconds=1))
    refresh.refresh_dirty()
    assert not DirtyCell.objects.exists()


def test_the_summary_says_the_numbers_are_stale_while_a_cell_fails(world):
    poison_mql_in_year_one(world["lead"])
    fresh = selectors.kpi_summary(start=DAY, end=DAY)
    assert fresh["stale"] is False and fresh["failing_cells"] == 0
    spend(world, world["bad"], "50")
    refresh.refresh_dirty()
    summary = selectors.kpi_summary(start=DAY, end=DAY)
    assert summary["stale"] is True and summary["failing_cells"] == 1
    status = freshness.refresh_status()
    assert status.failing_cells == 1 and status.last_error and status.refreshed_at


def test_retry_delay_doubles_up_to_an_hour():
    delays = [cell_failures.retry_delay(n) for n in (1, 2, 3, 10)]
    assert delays[:3] == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    assert delays[3] == dt.timedelta(hours=1)


def test_the_refresh_task_succeeds_with_a_poisoned_cell(world):
    # Given a poisoned cell among good ones
    poison_mql_in_year_one(world["lead"])
    spend(world, world["good"], "100")
    spend(world, world["bad"], "50")
    # When the Celery task runs (in process), then it succeeds and the good cell is counted
    from metrics import tasks

    result = tasks.refresh_dirty_cells.apply()
    assert result.successful() and result.result == 1
    assert DirtyCell.objects.get().ref == world["bad"].pk


def test_recompute_kpis_command_reports_success_with_a_poisoned_row(world):
    from io import StringIO

    from django.core.management import call_command

    poison_mql_in_year_one(world["lead"])
    out, err = StringIO(), StringIO()
    call_command("recompute_kpis", stdout=out, stderr=err)
    assert "rebuilt" in out.getvalue()
    assert "could not be computed" in err.getvalue() and "year -1" in err.getvalue()
    assert DirtyCell.objects.filter(attempts=1, day=DAY).exists()


def test_a_move_on_a_lead_with_a_poisoned_creation_time_still_marks_its_cells(world):
    # Given a lead whose creation time predates the bounds (year 1)
    lead = world["lead"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET created_at = '0001-01-01T00:00:00Z' WHERE id = %s", [lead.pk]
        )
    # When it is disqualified through the service (its cells are marked in New York days)
    flow.lead_disqualify(lead_id=lead.pk, actor=world["manager"])
    # Then the move is saved, its cells are marked, and the refresh runs
    assert DirtyCell.objects.exists()
    refresh.refresh_dirty()
    # And a full recompute in New York no longer overflows on the year-1 lead
    refresh.recompute_all()
    assert CampaignDay.objects.filter(day=OTHER_DAY, campaign=world["good"]).exists()
