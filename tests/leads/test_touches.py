"""Touches recorded by capture (attribution.md): the first touch, a duplicate capture's
touch on the existing lead, bulk and import rows, and no touch without a campaign."""

import datetime as dt

import pytest
from django.utils import timezone

from handoff import services
from leads.errors import DuplicateLead
from leads.models import Lead, Touch
from leads.touches import lead_touches
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def journey(lead_id: int) -> list[tuple[int, str]]:
    return [(t.campaign_id, t.kind) for t in lead_touches(lead_id)]


def test_capture_records_the_first_touch_at_creation(marketer) -> None:
    campaign = CampaignFactory()
    lead = services.lead_capture(actor=marketer, email="ada@example.com", campaign_id=campaign.pk)
    touch = Touch.objects.get(lead=lead)
    assert (touch.campaign_id, touch.kind, touch.at) == (campaign.pk, "capture", lead.created_at)
    assert touch.created_by == marketer


def test_capture_without_campaign_records_no_touch(marketer) -> None:
    lead = services.lead_capture(actor=marketer, email="ada@example.com")
    assert not Touch.objects.filter(lead=lead).exists()


def test_duplicate_capture_answers_duplicate_and_touches_the_existing_lead(marketer) -> None:
    first, second = CampaignFactory(), CampaignFactory()
    lead = services.lead_capture(
        actor=marketer, email="ada@example.com", campaign_id=first.pk, company="Acme"
    )
    with pytest.raises(DuplicateLead) as caught:
        services.lead_capture(
            actor=marketer, email="ADA@example.com", campaign_id=second.pk, company="Other"
        )
    assert caught.value.existing_id == lead.pk
    assert journey(lead.pk) == [(first.pk, "capture"), (second.pk, "capture")]
    lead.refresh_from_db()
    assert (lead.campaign_id, lead.company, Lead.objects.count()) == (first.pk, "Acme", 1)


def test_bulk_capture_touches_new_rows_database_duplicates_and_batch_repeats(marketer) -> None:
    a, b, c = CampaignFactory(), CampaignFactory(), CampaignFactory()
    old = services.lead_capture(actor=marketer, email="old@example.com", campaign_id=a.pk)
    results = services.lead_capture_bulk(
        actor=marketer,
        rows=[
            {"email": "new@example.com", "campaign_id": b.pk},
            {"email": "old@example.com", "campaign_id": b.pk},
            {"email": "new@example.com", "campaign_id": c.pk},
            {"email": "plain@example.com"},
        ],
    )
    assert [r.status for r in results] == ["created", "duplicate", "duplicate", "created"]
    assert journey(old.pk) == [(a.pk, "capture"), (b.pk, "capture")]
    assert journey(results[0].lead_id) == [(b.pk, "capture"), (c.pk, "capture")]
    assert journey(results[3].lead_id) == []


def test_import_rows_touch_with_kind_import(marketer) -> None:
    campaign = CampaignFactory()
    earlier = timezone.now() - dt.timedelta(days=3)
    old = services.lead_capture(
        actor=marketer, email="old@example.com", campaign_id=CampaignFactory().pk
    )
    Touch.objects.filter(lead=old).update(at=earlier)
    services.lead_capture_bulk(
        actor=marketer,
        rows=[{"email": "old@example.com", "campaign_id": campaign.pk}],
        import_id=7,
    )
    assert [kind for _c, kind in journey(old.pk)] == ["capture", "import"]
