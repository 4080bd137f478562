"""The loss-reason breakdown: by rep and by campaign, in two queries whatever the number of
deals, loaded into the dashboard as a fragment and open to every role with the dashboard."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from handoff import services
from leads.models import Opportunity
from leads.roles import user_label
from metrics import selectors
from tests.factories import CampaignFactory, lead_in_state

pytestmark = pytest.mark.django_db


def _lost(marketer, rep, reason: str, *, campaign=None, note: str = "") -> Opportunity:
    lead = lead_in_state("converted", marketer=marketer, rep=rep)
    if campaign is not None:
        lead.campaign = campaign
        lead.save(update_fields=["campaign"])
    opp = Opportunity.objects.get(lead=lead)
    services.opportunity_lose(opportunity_id=opp.pk, actor=rep, reason=reason, note=note)
    return opp


@pytest.mark.parametrize("deals", [2, 20])
def test_breakdown_counts_by_rep_and_campaign_in_two_queries(
    marketer, rep, other_rep, deals, django_assert_num_queries
):
    # Given lost deals of two reps on two campaigns, with a price and a timing loss each
    first, second = CampaignFactory(name="Spring"), CampaignFactory(name="Autumn")
    for index in range(deals):
        who = rep if index % 2 == 0 else other_rep
        _lost(marketer, who, "price" if index < deals - 1 else "timing", campaign=first)
    _lost(marketer, rep, "other", campaign=second, note="Built in house")
    today = timezone.localdate()

    # When the breakdown is read
    with django_assert_num_queries(2):
        result = selectors.loss_reason_breakdown(start=today, end=today)

    # Then each rep and each campaign has its counts by code, the totals add up
    by_rep = {row["name"]: row for row in result["by_rep"]}
    assert sum(row["total"] for row in result["by_rep"]) == deals + 1
    assert by_rep[user_label(rep)]["counts"]["other"] == 1
    by_campaign = {row["name"]: row for row in result["by_campaign"]}
    assert by_campaign["Spring"]["counts"]["price"] == deals - 1
    assert by_campaign["Spring"]["counts"]["timing"] == 1
    assert by_campaign["Autumn"]["total"] == 1
    # And a campaign filter narrows it
    narrowed = selectors.loss_reason_breakdown(start=today, end=today, campaign=second.pk)
    assert [row["name"] for row in narrowed["by_campaign"]] == ["Autumn"]


@pytest.mark.parametrize(
    ("who", "status"), [("marketer", 200), ("rep", 200), ("manager", 200), (None, 302)]
)
def test_loss_reasons_fragment_by_role(request, who, status):
    client = Client()
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("metrics:loss_reasons"))
    assert response.status_code == status


def test_dashboard_loads_the_loss_breakdown_and_the_fragment_shows_it(marketer, rep, manager):
    # Given one deal lost on price
    _lost(marketer, rep, "price", campaign=CampaignFactory(name="Webinar"))
    client = Client()
    client.force_login(manager)
    # When the dashboard is opened, and its loss fragment fetched as htmx would
    page = client.get(reverse("metrics:dashboard")).content.decode()
    fragment = client.get(reverse("metrics:loss_reasons"), HTTP_HX_REQUEST="true")
    # Then the page points at the fragment, which has the two tables
    assert reverse("metrics:loss_reasons") in page
    body = fragment.content.decode()
    assert 'id="loss-by-rep"' in body and 'id="loss-by-campaign"' in body
    assert "Webinar" in body and "<html" not in body
