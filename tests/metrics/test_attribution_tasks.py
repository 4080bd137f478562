"""Attribution through Celery: a real worker, the beat sweep after a broker outage, the
rebuild task and command, and the demo journeys."""

import datetime as dt
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from handoff import services as flow
from leads import queueing
from leads.models import Channel, Opportunity, Touch, TouchKind
from leads.touches import NewTouch, record_touches
from metrics import attribution_listeners, tasks
from metrics.attribution_selectors import attribution_table
from metrics.demo_attribution import seed_touches
from metrics.models import AttributionCredit, AttributionDirty
from tests import factories


def won(marketer, rep, manager, campaign, amount="1000"):
    lead = factories.lead_in_state("converted", marketer=marketer, rep=rep, campaign=campaign)
    opp = Opportunity.objects.get(lead=lead)
    flow.opportunity_win(opportunity_id=opp.pk, actor=manager, amount=amount)
    return lead, opp


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_win_and_a_late_touch_reach_the_credits_through_a_real_worker(
    celery_worker_process, marketer, rep, manager
):
    # Given two campaigns and a deal won through the service, with a running worker
    search = factories.CampaignFactory(channel=Channel.PAID_SEARCH)
    webinar = factories.CampaignFactory(channel=Channel.WEBINAR)
    lead, opp = won(marketer, rep, manager, search)

    def credits() -> dict:
        return dict(
            AttributionCredit.objects.filter(opportunity=opp, model="linear").values_list(
                "campaign_id", "credit"
            )
        )

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and credits() != {search.pk: Decimal(1)}:
        time.sleep(0.2)
    assert credits() == {search.pk: Decimal(1)}

    # When a webinar touch from before the opportunity is recorded late
    record_touches([NewTouch(lead.pk, webinar.pk, opp.created_at, TouchKind.IMPORT)])

    # Then the worker splits the deal
    expected = {search.pk: Decimal("0.5"), webinar.pk: Decimal("0.5")}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and credits() != expected:
        time.sleep(0.2)
    assert credits() == expected
    assert not AttributionDirty.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_leaves_the_dirty_rows_for_the_beat_sweep(monkeypatch, marketer, rep, manager):
    # Given a broker that refuses every message (the publish raises like a down Redis)
    monkeypatch.setattr(attribution_listeners, "_queue", lambda: queueing.enqueue(_refused))
    campaign = factories.CampaignFactory()
    try:
        _, opp = won(marketer, rep, manager, campaign)
    finally:
        queueing.broker_back()  # forget the refusal: later tests send at once
    # Then the win is committed, its lead waits in the outbox, and no credit exists yet
    assert Opportunity.objects.get(pk=opp.pk).stage == "won"
    assert AttributionDirty.objects.filter(lead_id=opp.lead_id).exists()
    assert not AttributionCredit.objects.filter(opportunity=opp).exists()
    # When beat runs the sweep
    assert "metrics-attribution-sweep" in settings.CELERY_BEAT_SCHEDULE
    tasks.refresh_attribution.apply()
    # Then the credits are there and the outbox is empty
    assert AttributionCredit.objects.filter(opportunity=opp).count() == 5
    assert not AttributionDirty.objects.exists()


class _Refused:
    """A task whose publish fails like a down broker."""

    name = "refused"

    class app:
        class conf:
            task_always_eager = False

    @staticmethod
    def apply_async(*args, **kwargs):
        raise ConnectionRefusedError("broker down")


_refused = _Refused()


@pytest.mark.django_db
def test_rebuild_task_and_command(marketer, rep, manager):
    campaign = factories.CampaignFactory()
    won(marketer, rep, manager, campaign)
    AttributionCredit.objects.all().delete()
    assert tasks.rebuild_attribution() == 5
    AttributionCredit.objects.all().delete()
    out = StringIO()
    call_command("rebuild_attribution", stdout=out)
    assert "1 won opportunities, 5 credits" in out.getvalue()


@pytest.mark.django_db
def test_demo_journeys_make_the_models_differ(marketer, rep, manager):
    today = timezone.localdate()
    campaigns = [
        factories.CampaignFactory(
            channel=channel, start_date=today - dt.timedelta(days=400), end_date=None
        )
        for channel in (Channel.PAID_SEARCH, Channel.WEBINAR, Channel.EMAIL)
    ]
    for i in range(12):
        lead, _ = won(marketer, rep, manager, campaigns[i % 3])
        Touch.objects.filter(lead=lead).update(at=lead.created_at - dt.timedelta(days=20))
        from leads.models import Lead

        Lead.objects.filter(pk=lead.pk).update(created_at=lead.created_at - dt.timedelta(days=20))
    added = seed_touches(campaigns=campaigns, seed=3)
    assert added > 0
    assert not AttributionDirty.objects.exists()
    rows = attribution_table(start=today, end=today, by="campaign")
    differs = [
        r["name"]
        for r in rows
        if r["models"]["first_touch"]["customers"] != r["models"]["last_touch"]["customers"]
    ]
    assert differs
    assert sum(r["models"]["linear"]["customers"] for r in rows) == 12
