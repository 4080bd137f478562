"""Every list answers with a constant number of queries, however many rows the page has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoff import services
from tests import factories

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/campaigns/",
    "/api/v1/campaigns/{campaign}/costs/",
    "/api/v1/sales-costs/",
    "/api/v1/leads/",
    "/api/v1/leads/{lead}/events/",
    "/api/v1/handoffs/",
    "/api/v1/opportunities/",
    "/api/v1/users/",
    "/api/v1/webhooks/",
]


def _grow(marketer, manager, rep, n: int, settings) -> dict[str, int]:
    """n more campaigns, costs, leads (each handed off, accepted and converted), users."""
    from integrations.webhooks import subscriptions as webhooks

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    campaign = None
    lead = None
    for _ in range(n):
        campaign = factories.CampaignFactory()
        factories.CampaignCostFactory(campaign=campaign)
        factories.SalesCostFactory()
        factories.UserFactory(role="sales")
        webhooks.subscription_create(
            actor=manager, url="http://127.0.0.1:9/", events=["sla.breached"]
        )
        lead = services.lead_capture(
            actor=marketer,
            email=f"q{factories.CampaignCostFactory._meta.model.objects.count()}@example.com",
            campaign_id=campaign.pk,
        )
        services.lead_qualify(lead_id=lead.pk, actor=marketer)
        services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
        services.lead_accept(lead_id=lead.pk, actor=rep, rating=4)
        services.lead_convert(lead_id=lead.pk, actor=rep, amount="10")
    return {"campaign": campaign.pk, "lead": lead.pk}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    return len(queries)


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_is_constant(path, marketer, manager, rep, settings):
    from tests.api.conftest import client_for

    client = client_for(manager)
    client.get("/api/v1/users/")  # the token's first use records last_used_at
    # given a few rows, then many more
    ids = _grow(marketer, manager, rep, 2, settings)
    few = _count(client, path.format(**ids))
    ids = _grow(marketer, manager, rep, 8, settings)
    many = _count(client, path.format(**ids))
    # then the page costs the same number of queries
    assert many == few, path
    assert many <= 8, path
