"""seed_demo: deterministic, idempotent, every state present, history only through the service."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models

from handoff.models import Handoff, LeadEvent
from leads.models import Campaign, CampaignCost, Lead, LeadStatus, Opportunity, SalesCost


def counts() -> dict[str, int]:
    return {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "handoffs": Handoff.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "campaigns": Campaign.objects.count(),
        "costs": CampaignCost.objects.count(),
        "sales_costs": SalesCost.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_twice_loads_once_with_every_state_and_honest_events() -> None:
    # given an empty database, when the demo is seeded
    out = StringIO()
    call_command("seed_demo", "--leads", "700", stdout=out)
    first = counts()

    # then the command reports what the service wrote, and the audit trail has exactly that
    reported = int(re.search(r"(\d+) audit events", out.getvalue()).group(1))
    assert first["events"] == reported
    assert first["leads"] == 700
    assert "http://127.0.0.1:8000/" in out.getvalue()
    assert "demo12345" in out.getvalue()

    # and every lead state and opportunity outcome is present
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    assert {"won", "lost"} <= set(Opportunity.objects.values_list("stage", flat=True))
    assert Handoff.objects.filter(outcome="rejected").exclude(reason="").exists()
    assert Handoff.objects.filter(rating__isnull=False).exists()
    assert Lead.objects.filter(campaign__isnull=True).exists()
    # every lead has its "created" event, and its status is where its audit trail ends
    assert LeadEvent.objects.filter(action="created").count() == 700
    trail_ends = dict(
        LeadEvent.objects.exclude(from_status=models.F("to_status"))
        .order_by("at", "id")
        .values_list("lead_id", "to_status")
    )
    assert trail_ends == dict(Lead.objects.values_list("id", "status"))

    # when it runs again, then nothing changes
    again = StringIO()
    call_command("seed_demo", "--leads", "700", stdout=again)
    assert "already loaded" in again.getvalue()
    assert counts() == first


@pytest.mark.django_db
def test_seed_demo_reset_reloads_the_same_data() -> None:
    # given a seeded demo
    call_command("seed_demo", "--leads", "150", stdout=StringIO())
    first = counts()
    statuses = sorted(Lead.objects.values_list("external_id", "status"))

    # when it is reset and loaded again
    out = StringIO()
    call_command("seed_demo", "--reset", "--leads", "150", stdout=out)

    # then the demo data is the same (fixed random seed), not doubled
    assert "Demo data deleted." in out.getvalue()
    assert counts() == first
    assert sorted(Lead.objects.values_list("external_id", "status")) == statuses
