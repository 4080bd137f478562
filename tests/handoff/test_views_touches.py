"""The lead page's journey (its touches, oldest first, beside the timeline) and its "Add a
touch" form for marketing and managers; the page's query count does not grow with touches."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from handoff import services
from leads.models import Touch
from leads.touches import NewTouch, lead_touches, record_touches
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, lead_id: int):
    return client.get(reverse("handoff:lead_detail", args=[lead_id]))


def add(client: Client, lead_id: int, **data):
    body = {f"touch-{k}": v for k, v in data.items()}
    return client.post(reverse("handoff:lead_touch_add", args=[lead_id]), body)


@pytest.fixture
def lead(marketer):
    campaign = CampaignFactory(name="Spring webinar", channel="webinar")
    return services.lead_capture(actor=marketer, email="ada@example.com", campaign_id=campaign.pk)


def journey_html(body: str) -> str:
    start = body.index('id="lead-journey"')
    return body[start : body.index("</ol>", start)]


def test_journey_lists_touches_oldest_first_with_campaign_channel_kind(marketer, lead):
    # given a later touch of another campaign recorded first
    ebook = CampaignFactory(name="Ebook download", channel="content")
    record_touches([NewTouch(lead.pk, ebook.pk, lead.created_at + dt.timedelta(hours=1), "api")])
    # when marketing opens the lead page
    body = page(client_of(marketer), lead.pk).content.decode()
    # then the capture comes first, each campaign linked, with its channel and kind
    journey = journey_html(body)
    assert journey.index("Spring webinar") < journey.index("Ebook download")
    assert reverse("metrics:campaign_detail", args=[ebook.pk]) in journey
    for text in ("Webinar", "Content", "Capture", "API"):
        assert text in journey
    assert 'id="touch-form"' in body


def test_rep_sees_the_journey_without_campaign_links_nor_the_form(marketer, rep, lead):
    services.lead_qualify(lead_id=lead.pk, actor=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
    body = page(client_of(rep), lead.pk).content.decode()
    assert "Spring webinar" in journey_html(body)
    assert "/campaigns/" not in journey_html(body)
    assert 'id="touch-form"' not in body


def test_lead_without_campaign_says_it_has_no_touches(marketer):
    lead = services.lead_capture(actor=marketer, email="plain@example.com")
    body = page(client_of(marketer), lead.pk).content.decode()
    assert "No touches" in body and 'id="lead-journey"' not in body


def _touches(lead, count: int) -> None:
    campaigns = [CampaignFactory() for _ in range(4)]
    record_touches(
        [
            NewTouch(lead.pk, campaigns[i % 4].pk, lead.created_at + dt.timedelta(minutes=i), "api")
            for i in range(count - 1)
        ]
    )


@pytest.mark.parametrize("count", [1, 20])
def test_lead_page_query_count_does_not_grow_with_touches(
    marketer, lead, count, django_assert_num_queries
):
    # given the lead with `count` touches in all
    _touches(lead, count)
    client = client_of(marketer)
    page(client, lead.pk)
    # then the page costs the same number of queries at 1 and at 20 touches
    with django_assert_num_queries(PAGE_QUERIES):
        body = page(client, lead.pk).content.decode()
    assert journey_html(body).count("<li>") == count


PAGE_QUERIES = 11


def test_marketing_adds_a_manual_touch_now(marketer, lead):
    ebook = CampaignFactory(name="Ebook download")
    r = add(client_of(marketer), lead.pk, campaign=ebook.pk)
    assert r.status_code == 302 and r["Location"] == reverse("handoff:lead_detail", args=[lead.pk])
    last = list(lead_touches(lead.pk))[-1]
    assert (last.campaign_id, last.kind, last.created_by_id) == (ebook.pk, "manual", marketer.pk)


def test_marketing_has_no_when_field_a_manager_backfills(marketer, manager):
    # given a lead captured on 1 March 2024
    created = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    lead = services.lead_capture(
        actor=manager, email="old@example.com", campaign_id=CampaignFactory().pk, created_at=created
    )
    assert 'name="touch-at"' not in page(client_of(marketer), lead.pk).content.decode()
    assert 'name="touch-at"' in page(client_of(manager), lead.pk).content.decode()
    # when a manager adds a touch on 4 March
    event = CampaignFactory()
    r = add(client_of(manager), lead.pk, campaign=event.pk, at="2024-03-04T10:00")
    # then it is kept at that time
    assert r.status_code == 302
    assert Touch.objects.get(lead=lead, campaign=event).at.date() == dt.date(2024, 3, 4)


def test_touch_before_the_capture_is_a_form_error(manager):
    lead = services.lead_capture(
        actor=manager,
        email="old@example.com",
        campaign_id=CampaignFactory().pk,
        created_at=dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC),
    )
    r = add(client_of(manager), lead.pk, campaign=lead.campaign_id, at="2024-02-01T10:00")
    assert r.status_code == 400
    assert "before the lead&#x27;s capture" in r.content.decode()
    assert Touch.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize("campaign", ["", "999999", "x"])
def test_bad_campaign_is_a_form_error(marketer, lead, campaign):
    r = add(client_of(marketer), lead.pk, campaign=campaign)
    assert r.status_code == 400 and 'id="touch-form"' in r.content.decode()
    assert Touch.objects.filter(lead=lead).count() == 1


def test_rep_may_not_add_a_touch(marketer, rep, lead):
    services.lead_qualify(lead_id=lead.pk, actor=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
    r = add(client_of(rep), lead.pk, campaign=lead.campaign_id)
    assert r.status_code in (403, 404)
    assert Touch.objects.filter(lead=lead).count() == 1
