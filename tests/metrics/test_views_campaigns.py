"""The campaign pages with KPIs: the list's figures per campaign in the user's locale, its
filters and empty states, constant queries for 2 or 20 campaigns; the campaign page's
funnel and the feedback sales gave on its leads."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from handoff import services
from leads.services import campaign_cost_add
from tests.factories import CampaignFactory, lead_in_state


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


@pytest.fixture
def rollups(django_capture_on_commit_callbacks):
    """Run what the writes queue on commit (the rollup refresh), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _campaign_with_results(marketer, rep, *, name: str = "Search Q1"):
    """1,000 spent, 4 leads: one accepted (rating 4), one rejected (no budget, 2, comment)."""
    campaign = CampaignFactory(name=name)
    campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=timezone.localdate(), amount=Decimal("1000")
    )
    lead_in_state("accepted", marketer=marketer, rep=rep, campaign=campaign)
    rejected = lead_in_state("handed_off", marketer=marketer, rep=rep, campaign=campaign)
    services.lead_reject(
        lead_id=rejected.pk, actor=rep, reason="no_budget", rating=2, feedback="Too small"
    )
    lead_in_state("new", marketer=marketer, campaign=campaign)
    lead_in_state("mql", marketer=marketer, campaign=campaign)
    return campaign


def test_campaign_list_shows_spend_leads_cpl_acceptance_and_rating(
    marketer, rep, marketer_client, rollups
):
    with rollups():
        _campaign_with_results(marketer, rep)

    body = marketer_client.get(reverse("metrics:campaign_list")).content.decode()

    assert "Search Q1" in body
    assert "$1,000.00" in body  # spend
    assert "$250.00" in body  # CPL: 1,000 / 4 leads
    assert "50.0%" in body  # acceptance: 1 of 2 answers
    assert "3.0" in body  # average rating (4 + 2) / 2
    assert "-100.0%" in body  # ROMI with no revenue yet


def test_campaign_list_formats_money_and_rates_for_spanish(marketer, rep, marketer_client, rollups):
    with rollups():
        _campaign_with_results(marketer, rep)

    body = marketer_client.get(
        reverse("metrics:campaign_list"), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert "1.000,00\xa0US$" in body
    assert "250,00\xa0US$" in body
    assert "50,0\xa0%" in body


def test_campaign_list_filters_by_channel_and_says_when_nothing_matches(marketer_client):
    CampaignFactory(name="Webinar A", channel="webinar")
    CampaignFactory(name="Search B", channel="paid_search")

    webinar = marketer_client.get(reverse("metrics:campaign_list"), {"channel": "webinar"})
    nothing = marketer_client.get(reverse("metrics:campaign_list"), {"q": "zzz"})

    assert "Webinar A" in webinar.content.decode()
    assert "Search B" not in webinar.content.decode()
    assert "No campaign matches these filters" in nothing.content.decode()


def test_empty_campaign_list_tells_marketing_to_create_one(marketer_client):
    body = marketer_client.get(reverse("metrics:campaign_list")).content.decode()

    assert "No campaigns yet" in body
    assert reverse("leads:campaign_create") in body


def test_bad_custom_period_falls_back_and_says_why(marketer_client):
    response = marketer_client.get(
        reverse("metrics:campaign_list"),
        {"preset": "custom", "start": "2026-05-01", "end": "2026-01-01"},
    )

    assert response.status_code == 200
    assert "The last day cannot be before the first day." in response.content.decode()


def test_campaign_list_runs_the_same_queries_for_2_and_20_campaigns(
    marketer, marketer_client, rollups
):
    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert marketer_client.get(reverse("metrics:campaign_list")).status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for _ in range(n):
            campaign = CampaignFactory()
            campaign_cost_add(
                campaign_id=campaign.pk,
                actor=marketer,
                date=dt.date(2026, 1, 5),
                amount=Decimal("10"),
            )
            lead_in_state("new", marketer=marketer, campaign=campaign)

    with rollups():
        add(2)
    two = measure()
    with rollups():
        add(18)
    assert measure() == two


def test_campaign_page_shows_funnel_and_sales_feedback(marketer, rep, marketer_client, rollups):
    with rollups():
        campaign = _campaign_with_results(marketer, rep)

    body = marketer_client.get(
        reverse("metrics:campaign_detail", args=[campaign.pk])
    ).content.decode()

    assert 'id="campaign-funnel"' in body
    assert "No budget" in body and "Too small" in body
    assert "3.0 / 5" in body
    assert rep.get_full_name() in body


def test_campaign_page_without_answers_says_what_happens_next(marketer_client):
    campaign = CampaignFactory()

    body = marketer_client.get(
        reverse("metrics:campaign_detail", args=[campaign.pk])
    ).content.decode()

    assert "Sales has not answered any lead of this campaign yet" in body


def test_campaign_pages_are_refused_to_sales(rep):
    client = Client()
    client.force_login(rep)

    assert client.get(reverse("metrics:campaign_list")).status_code == 403


def test_campaign_page_runs_the_same_queries_for_2_and_20_answers(
    marketer, rep, marketer_client, rollups
):
    campaign = CampaignFactory()
    url = reverse("metrics:campaign_detail", args=[campaign.pk])

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert marketer_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def answer(n: int) -> None:
        for _ in range(n):
            lead = lead_in_state("handed_off", marketer=marketer, rep=rep, campaign=campaign)
            services.lead_reject(lead_id=lead.pk, actor=rep, reason="spam", feedback="Bot")

    with rollups():
        answer(2)
    two = measure()
    with rollups():
        answer(18)
    assert measure() == two
