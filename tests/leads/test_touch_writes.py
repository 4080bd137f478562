"""Touch writes beyond capture: `touch_create` (roles, bounds), the creation touch that
follows an edit of a lead's source campaign or creation time, and `backfill_touches`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from handoff import services
from leads.errors import ActionNotAllowed, DuplicateLead, InvalidInput
from leads.models import Touch
from leads.signals import touches_recorded
from leads.touches import lead_touches, touch_create
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

MARCH = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


def journey(lead_id: int) -> list[tuple[int, str, dt.datetime]]:
    return [(t.campaign_id, t.kind, t.at) for t in lead_touches(lead_id)]


@pytest.fixture
def sent():
    calls: list[dict] = []

    def receiver(sender, signal, **kwargs):
        calls.append(kwargs)

    touches_recorded.connect(receiver, weak=False)
    yield calls
    touches_recorded.disconnect(receiver)


@pytest.fixture
def old_lead(manager):
    return services.lead_capture(
        actor=manager, email="old@example.com", campaign_id=CampaignFactory().pk, created_at=MARCH
    )


# --- touch_create ---------------------------------------------------------------------------


def test_touch_create_by_a_rep_is_refused(rep, old_lead):
    with pytest.raises(ActionNotAllowed):
        touch_create(actor=rep, lead_id=old_lead.pk, campaign_id=old_lead.campaign_id)


def test_touch_create_collects_field_errors(manager, old_lead):
    with pytest.raises(InvalidInput) as caught:
        touch_create(actor=manager, lead_id=old_lead.pk, campaign_id=999_999, kind="fax")
    assert set(caught.value.errors) == {"campaign", "kind"}
    with pytest.raises(InvalidInput) as caught:
        touch_create(actor=manager, lead_id=old_lead.pk, campaign_id=None)
    assert set(caught.value.errors) == {"campaign"}


def test_touch_create_naive_at_is_refused(manager, old_lead):
    with pytest.raises(InvalidInput) as caught:
        touch_create(
            actor=manager,
            lead_id=old_lead.pk,
            campaign_id=old_lead.campaign_id,
            at=dt.datetime(2024, 4, 1),
        )
    assert "at" in caught.value.errors


def test_touch_create_sends_one_signal(manager, old_lead, sent):
    other = CampaignFactory()
    touch = touch_create(
        actor=manager, lead_id=old_lead.pk, campaign_id=other.pk, at=MARCH, kind="manual"
    )
    assert (touch.kind, touch.at, touch.created_by) == ("manual", MARCH, manager)
    assert sent == [{"lead_ids": [old_lead.pk], "campaign_ids": [other.pk]}]


# --- lead_update: the creation touch follows -------------------------------------------------


def test_changed_campaign_moves_the_creation_touch(manager, old_lead, sent):
    # given a later touch of another campaign
    later = CampaignFactory()
    touch_create(actor=manager, lead_id=old_lead.pk, campaign_id=later.pk, at=MARCH.replace(day=9))
    first = old_lead.campaign_id
    new = CampaignFactory()
    sent.clear()
    # when the source campaign changes
    services.lead_update(lead_id=old_lead.pk, actor=manager, campaign_id=new.pk)
    # then the capture touch carries the new campaign; the later touch is untouched
    assert journey(old_lead.pk) == [
        (new.pk, "capture", MARCH),
        (later.pk, "api", MARCH.replace(day=9)),
    ]
    assert sent == [{"lead_ids": [old_lead.pk], "campaign_ids": sorted([first, new.pk])}]


def test_cleared_campaign_deletes_the_creation_touch(manager, old_lead, sent):
    first = old_lead.campaign_id
    services.lead_update(lead_id=old_lead.pk, actor=manager, campaign_id=None)
    assert journey(old_lead.pk) == []
    assert sent == [{"lead_ids": [old_lead.pk], "campaign_ids": [first]}]


def test_campaign_given_to_a_lead_without_one_creates_its_creation_touch(manager, marketer):
    lead = services.lead_capture(actor=marketer, email="plain@example.com")
    campaign = CampaignFactory()
    services.lead_update(lead_id=lead.pk, actor=marketer, campaign_id=campaign.pk)
    lead.refresh_from_db()
    assert journey(lead.pk) == [(campaign.pk, "capture", lead.created_at)]


def test_backfilled_created_at_moves_the_creation_touch(manager, old_lead, sent):
    earlier = MARCH - dt.timedelta(days=30)
    services.lead_update(lead_id=old_lead.pk, actor=manager, created_at=earlier)
    assert journey(old_lead.pk) == [(old_lead.campaign_id, "capture", earlier)]
    assert len(sent) == 1


def test_created_at_and_campaign_changed_together(manager, old_lead):
    new, earlier = CampaignFactory(), MARCH - dt.timedelta(days=1)
    services.lead_update(lead_id=old_lead.pk, actor=manager, campaign_id=new.pk, created_at=earlier)
    assert journey(old_lead.pk) == [(new.pk, "capture", earlier)]


def test_created_at_after_a_later_touch_is_refused_and_nothing_changes(manager, old_lead):
    # given a touch two days after the capture
    touch_create(
        actor=manager,
        lead_id=old_lead.pk,
        campaign_id=CampaignFactory().pk,
        at=MARCH + dt.timedelta(days=2),
    )
    before = journey(old_lead.pk)
    # when the creation time is moved past it: refused, the first touch stays the capture
    with pytest.raises(InvalidInput) as caught:
        services.lead_update(
            lead_id=old_lead.pk, actor=manager, created_at=MARCH + dt.timedelta(days=3)
        )
    assert "created_at" in caught.value.errors
    old_lead.refresh_from_db()
    assert old_lead.created_at == MARCH and journey(old_lead.pk) == before


def test_campaign_change_works_when_an_older_duplicate_touch_exists(manager, old_lead):
    # given a duplicate capture backfilled to before the lead's own capture
    other = CampaignFactory()
    with pytest.raises(DuplicateLead):
        services.lead_capture(
            actor=manager,
            email=old_lead.email,
            campaign_id=other.pk,
            created_at=MARCH - dt.timedelta(days=3),
        )
    # when only the campaign changes: allowed, the creation touch follows
    new = CampaignFactory()
    services.lead_update(lead_id=old_lead.pk, actor=manager, campaign_id=new.pk)
    assert (new.pk, "capture", MARCH) in journey(old_lead.pk)


def test_edit_of_contact_fields_leaves_touches_alone(manager, old_lead, sent):
    services.lead_update(lead_id=old_lead.pk, actor=manager, company="Acme")
    assert sent == [] and len(journey(old_lead.pk)) == 1


def test_first_touch_is_the_source_campaign_after_every_edit(manager, old_lead):
    a, b = CampaignFactory(), CampaignFactory()
    touch_create(actor=manager, lead_id=old_lead.pk, campaign_id=a.pk, at=MARCH.replace(day=5))
    for campaign_id in (b.pk, None, a.pk):
        services.lead_update(lead_id=old_lead.pk, actor=manager, campaign_id=campaign_id)
        first = lead_touches(old_lead.pk).first()
        if campaign_id is None:
            assert first.kind == "api"
        else:
            assert (first.campaign_id, first.at) == (campaign_id, MARCH)


# --- backfill_touches -------------------------------------------------------------------------


def test_backfill_touches_recreates_missing_and_corrects_wrong_creation_touches(manager, sent):
    # given three leads: one lost its capture touch, one's points at the wrong campaign,
    # one is fine, and one has no campaign
    a, b = CampaignFactory(), CampaignFactory()
    lost = services.lead_capture(actor=manager, email="lost@example.com", campaign_id=a.pk)
    wrong = services.lead_capture(actor=manager, email="wrong@example.com", campaign_id=a.pk)
    fine = services.lead_capture(actor=manager, email="fine@example.com", campaign_id=b.pk)
    plain = services.lead_capture(actor=manager, email="plain@example.com")
    Touch.objects.filter(lead=lost).delete()
    Touch.objects.filter(lead=wrong).update(campaign=b)
    touch_create(actor=manager, lead_id=fine.pk, campaign_id=a.pk)
    sent.clear()
    # when the command runs (in batches of one), twice
    out = StringIO()
    call_command("backfill_touches", "--batch-size", "1", stdout=out)
    call_command("backfill_touches", stdout=out)
    # then each lead's first touch is its source campaign at its creation, and nothing doubled
    assert out.getvalue().split("\n")[:2] == [
        "capture touches recorded or corrected: 2",
        "capture touches recorded or corrected: 0",
    ]
    for lead in (lost, wrong, fine):
        first = lead_touches(lead.pk).first()
        assert (first.campaign_id, first.kind, first.at) == (
            lead.campaign_id,
            "capture",
            lead.created_at,
        )
    assert Touch.objects.filter(lead=lost).count() == 1
    assert Touch.objects.filter(lead=wrong).count() == 1
    assert Touch.objects.filter(lead=fine).count() == 2
    assert not Touch.objects.filter(lead=plain).exists()
    assert [s["lead_ids"] for s in sent] == [[lost.pk], [wrong.pk]]
