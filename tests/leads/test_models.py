"""Database-level constraints: bad rows are refused by the database, not only by forms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from handoff.models import Handoff, LeadEvent
from leads.models import Campaign, CampaignCost, Lead, Opportunity, SalesCost
from tests import factories

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    """True when the database refuses the write (inside a savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_negative_campaign_cost_is_refused_by_the_database():
    campaign = factories.CampaignFactory()
    assert refused(
        lambda: CampaignCost.objects.create(
            campaign=campaign, date=timezone.localdate(), amount=Decimal("-0.01")
        )
    )
    assert CampaignCost.objects.count() == 0


def test_zero_campaign_cost_is_accepted():
    campaign = factories.CampaignFactory()
    CampaignCost.objects.create(campaign=campaign, date=timezone.localdate(), amount=Decimal("0"))
    assert CampaignCost.objects.count() == 1


def test_negative_sales_cost_and_budget_are_refused():
    assert refused(
        lambda: SalesCost.objects.create(date=timezone.localdate(), amount=Decimal("-5"))
    )
    assert refused(lambda: factories.CampaignFactory(budget=Decimal("-1")))


def test_campaign_name_is_unique_and_channel_must_be_a_known_code():
    factories.CampaignFactory(name="Spring webinar")
    assert refused(lambda: factories.CampaignFactory(name="Spring webinar"))
    assert refused(lambda: factories.CampaignFactory(channel="billboards"))
    assert refused(lambda: factories.CampaignFactory(status="archived"))


def test_campaign_cannot_end_before_it_starts():
    start = dt.date(2026, 3, 1)
    assert refused(
        lambda: factories.CampaignFactory(start_date=start, end_date=start - dt.timedelta(days=1))
    )
    factories.CampaignFactory(start_date=start, end_date=start)
    assert Campaign.objects.filter(start_date=start).count() == 1


def test_duplicate_external_id_is_refused_but_many_leads_may_have_none():
    factories.LeadFactory(external_id="crm-1")
    assert refused(lambda: factories.LeadFactory(external_id="crm-1"))
    factories.LeadFactory(external_id=None)
    factories.LeadFactory(external_id=None)
    assert Lead.objects.filter(external_id__isnull=True).count() == 2


def test_status_outside_the_lifecycle_is_refused():
    assert refused(lambda: factories.LeadFactory(status="maybe"))
    assert Lead.objects.count() == 0


def test_score_above_100_is_refused():
    assert refused(lambda: factories.LeadFactory(score=101))
    factories.LeadFactory(score=100)
    assert Lead.objects.filter(score=100).count() == 1


def test_email_must_be_stored_normalised():
    assert refused(lambda: factories.LeadFactory(email="Jane@Example.com"))


def test_two_live_leads_cannot_share_an_email_but_a_disqualified_one_can():
    factories.LeadFactory(email="jane@example.com", status=Lead.Status.DISQUALIFIED)
    factories.LeadFactory(email="jane@example.com", status=Lead.Status.NEW)
    assert refused(lambda: factories.LeadFactory(email="jane@example.com"))
    assert Lead.objects.filter(email="jane@example.com").count() == 2


def test_opportunity_constraints():
    rep = factories.UserFactory(role="sales")
    lead = factories.LeadFactory()
    now = timezone.now()

    def opportunity(**kwargs):
        return lambda: Opportunity.objects.create(
            **{"lead": lead, "name": "Deal", "amount": Decimal("100"), "owner": rep, **kwargs}
        )

    assert refused(opportunity(amount=Decimal("-1")))
    assert refused(opportunity(stage="won"))  # closed without closed_at
    assert refused(opportunity(closed_at=now))  # open with closed_at
    assert refused(opportunity(stage="lost", closed_at=now))  # lost without a reason
    assert refused(opportunity(stage="won", created_at=now, closed_at=now - dt.timedelta(days=1)))
    opportunity(stage="won", created_at=now, closed_at=now)()
    assert refused(opportunity())  # one opportunity per lead


def test_handoff_constraints():
    rep = factories.UserFactory(role="sales")
    lead = factories.LeadFactory(status=Lead.Status.HANDED_OFF, owner=rep)
    now = timezone.now()
    due = now + dt.timedelta(hours=24)

    def handoff(**kwargs):
        return lambda: Handoff.objects.create(
            **{"lead": lead, "assignee": rep, "handed_off_at": now, "sla_due_at": due, **kwargs}
        )

    assert refused(handoff(rating=6))
    assert refused(handoff(rating=0))
    assert refused(handoff(outcome="rejected", responded_at=now))  # no reason
    assert refused(handoff(outcome="accepted"))  # no responded_at
    assert refused(handoff(reason="because"))
    assert refused(handoff(sla_due_at=now - dt.timedelta(seconds=1)))
    handoff()()
    assert refused(handoff())  # a second pending handoff for the same lead
    assert Handoff.objects.count() == 1


def test_lead_events_are_immutable():
    lead = factories.LeadFactory()
    event = LeadEvent.objects.create(lead=lead, action="created", to_status="new")
    event.action = "edited"
    with pytest.raises(ValueError, match="immutable"):
        event.save()
    with pytest.raises(ValueError, match="never deleted"):
        event.delete()
    assert LeadEvent.objects.get(pk=event.pk).action == "created"
