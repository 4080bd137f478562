"""Moves and cost entries mark dirty cells in their own transaction and queue one refresh."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from handoff import services as flow
from leads import services as leads_services
from metrics import listeners, refresh, selectors
from metrics.models import DirtyCell
from tests import factories

TODAY = dt.date(2026, 11, 1)


def cells() -> set[tuple]:
    return set(DirtyCell.objects.values_list("day", "dimension", "ref"))


@pytest.mark.django_db
def test_a_move_marks_every_cell_of_the_lead_and_queues_one_refresh_per_transaction(
    manager, rep, django_capture_on_commit_callbacks
):
    # Given a lead created on Oct 1 and qualified on Oct 2 (UTC), then, in the same
    # transaction, handed off on Oct 3 and accepted on Oct 4
    campaign = factories.CampaignFactory()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        lead = flow.lead_capture(
            actor=manager,
            email="x@example.com",
            campaign_id=campaign.pk,
            created_at=dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC),
        )
        flow.lead_qualify(
            lead_id=lead.pk, actor=manager, at=dt.datetime(2026, 10, 2, 9, tzinfo=dt.UTC)
        )
        flow.lead_handoff(
            lead_id=lead.pk,
            actor=manager,
            assignee_id=rep.pk,
            at=dt.datetime(2026, 10, 3, 9, tzinfo=dt.UTC),
        )
        flow.lead_accept(lead_id=lead.pk, actor=manager, at=dt.datetime(2026, 10, 4, tzinfo=dt.UTC))
    # Then the creation, mql, handoff and answer days are dirty for the campaign and for
    # the rep (and the empty owner the handoff took it from), and one refresh is queued
    # for the whole transaction (beside the learned score's one rescore of the lead)
    days = {dt.date(2026, 10, d) for d in (1, 2, 3, 4)}
    assert {(d, "campaign", campaign.pk) for d in days} <= cells()
    assert {(d, "owner", rep.pk) for d in days} <= cells()
    assert {(dt.date(2026, 10, d), "owner", 0) for d in (1, 2, 3)} <= cells()
    assert len([c for c in callbacks if isinstance(c, listeners._PendingRefresh)]) == 1
    assert len(callbacks) == 2


@pytest.mark.django_db
def test_a_campaign_change_dirties_the_previous_campaign(manager):
    old, new = factories.CampaignFactory(), factories.CampaignFactory()
    lead = flow.lead_capture(actor=manager, email="y@example.com", campaign_id=old.pk)
    refresh.refresh_dirty()
    assert (
        selectors.kpi_summary(start=TODAY, end=timezone.localdate(), campaign=old.pk)["leads"] == 1
    )
    flow.lead_update(lead_id=lead.pk, actor=manager, campaign_id=new.pk)
    day = timezone.localdate()
    assert {(day, "campaign", old.pk), (day, "campaign", new.pk)} <= cells()
    refresh.refresh_dirty()
    assert selectors.kpi_summary(start=day, end=day, campaign=old.pk)["leads"] == 0
    assert selectors.kpi_summary(start=day, end=day, campaign=new.pk)["leads"] == 1


@pytest.mark.django_db
def test_a_rolled_back_move_leaves_no_dirty_cell(manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        flow.lead_capture(actor=manager, email="z@example.com")
        raise RuntimeError("boom")
    assert not DirtyCell.objects.exists()


@pytest.mark.django_db
def test_cost_entries_mark_their_day_and_the_refresh_consumes_them(manager):
    campaign = factories.CampaignFactory()
    cost = leads_services.campaign_cost_add(
        campaign_id=campaign.pk, actor=manager, date=dt.date(2026, 5, 4), amount=Decimal("40")
    )
    leads_services.sales_cost_add(actor=manager, date=dt.date(2026, 5, 5), amount=Decimal("7"))
    assert cells() == {
        (dt.date(2026, 5, 4), "campaign", campaign.pk),
        (dt.date(2026, 5, 5), "sales", 0),
    }
    assert refresh.refresh_dirty() == 2
    assert not DirtyCell.objects.exists()
    leads_services.campaign_cost_update(cost_id=cost.pk, actor=manager, date=dt.date(2026, 5, 6))
    refresh.refresh_dirty()
    may = selectors.kpi_summary(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31))
    assert (may["marketing_spend"], may["sales_cost"]) == (Decimal("40"), Decimal("7"))
    day4 = selectors.kpi_summary(start=dt.date(2026, 5, 4), end=dt.date(2026, 5, 4))
    assert day4["marketing_spend"] == 0
    # Refreshing again with nothing dirty rebuilds nothing and changes no number
    assert refresh.refresh_dirty() == 0
    again = selectors.kpi_summary(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31))
    assert {**again, "computed_at": None} == {**may, "computed_at": None}


@pytest.mark.django_db
def test_a_pending_handoff_becomes_a_breach_when_its_due_time_passes_without_any_move(
    settings, manager, rep
):
    # Given a handoff due 2 seconds from now, refreshed while still pending
    settings.SLA_DEFAULT_RESPONSE_HOURS = 1
    now = timezone.now()
    lead = flow.lead_capture(
        actor=manager, email="p@example.com", created_at=now - dt.timedelta(hours=2)
    )
    flow.lead_qualify(lead_id=lead.pk, actor=manager, at=now - dt.timedelta(hours=1, minutes=1))
    flow.lead_handoff(
        lead_id=lead.pk,
        actor=manager,
        assignee_id=rep.pk,
        at=now - dt.timedelta(hours=1) + dt.timedelta(seconds=2),
    )
    refresh.refresh_dirty()
    day = timezone.localdate()
    before = selectors.kpi_summary(start=day - dt.timedelta(days=1), end=day)
    assert (before["handoffs"], before["sla_breached"]) == (1, 0)
    # When the due time passes and the periodic refresh runs (no move in between)
    time.sleep(2.5)
    refresh.refresh_dirty()
    # Then the handoff counts as breached
    after = selectors.kpi_summary(start=day - dt.timedelta(days=1), end=day)
    assert (after["sla_breached"], after["sla_compliance_rate"]) == (1, 0)


@pytest.mark.django_db
def test_editing_an_mql_lead_is_not_another_move_into_mql(manager):
    # Given an MQL qualified three days ago
    now = timezone.now()
    lead = flow.lead_capture(
        actor=manager, email="e@example.com", created_at=now - dt.timedelta(days=4)
    )
    flow.lead_qualify(lead_id=lead.pk, actor=manager, at=now - dt.timedelta(days=3))
    # When it is edited today (an "updated" event from mql to mql)
    flow.lead_update(lead_id=lead.pk, actor=manager, company="Renamed Ltd")
    refresh.refresh_dirty()
    # Then today has no MQL, and the lead is one MQL on the day it was qualified
    today = timezone.localdate()
    assert selectors.kpi_summary(start=today, end=today)["mqls"] == 0
    assert selectors.kpi_summary(start=today - dt.timedelta(days=5), end=today)["mqls"] == 1


@pytest.mark.django_db
def test_bulk_capture_writes_each_dirty_cell_once(marketer, django_assert_max_num_queries):
    campaign = factories.CampaignFactory()
    rows = [{"email": f"b{i}@example.com", "campaign_id": campaign.pk} for i in range(200)]
    flow.lead_capture_bulk(actor=marketer, rows=rows[:1])
    with django_assert_max_num_queries(30):
        flow.lead_capture_bulk(actor=marketer, rows=rows[1:])
    today = timezone.localdate()
    assert cells() == {(today, "campaign", campaign.pk), (today, "owner", 0)}
    refresh.refresh_dirty()
    assert selectors.kpi_summary(start=today, end=today, campaign=campaign.pk)["leads"] == 200


@pytest.mark.django_db
def test_a_cell_written_in_a_rolled_back_savepoint_is_written_again(manager):
    # Given one transaction where a capture inside a savepoint is rolled back
    campaign = factories.CampaignFactory()
    with transaction.atomic():
        flow.lead_capture(actor=manager, email="keep1@example.com")  # registers the refresh
        with pytest.raises(RuntimeError), transaction.atomic():
            flow.lead_capture(actor=manager, email="gone@example.com", campaign_id=campaign.pk)
            raise RuntimeError("undo")
        assert (timezone.localdate(), "campaign", campaign.pk) not in cells()
        # When a later change in the same transaction touches the same cell
        flow.lead_capture(actor=manager, email="keep2@example.com", campaign_id=campaign.pk)
    # Then the cell is marked (not skipped as "already written")
    assert (timezone.localdate(), "campaign", campaign.pk) in cells()
