"""API fixtures: a token per role and clients that send it."""

import pytest
from rest_framework.test import APIClient

from integrations.models import TOKEN_PREFIX_LENGTH, ApiToken, hash_key


def make_token(user, name: str = "test") -> str:
    key = ApiToken.generate_key()
    ApiToken.objects.create(
        user=user, name=name, prefix=key[:TOKEN_PREFIX_LENGTH], key_hash=hash_key(key)
    )
    return key


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return client


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def marketer_api(marketer) -> APIClient:
    return client_for(marketer)


@pytest.fixture
def rep_api(rep) -> APIClient:
    return client_for(rep)


@pytest.fixture
def other_rep_api(other_rep) -> APIClient:
    return client_for(other_rep)


@pytest.fixture
def manager_api(manager) -> APIClient:
    return client_for(manager)


@pytest.fixture
def world(marketer, rep, other_rep, manager):
    """A lead handed off to `rep` (own) and one to `other_rep` (other), and an open
    opportunity of each (own_opp, other_opp)."""
    from handoff import services
    from tests import factories

    campaign = factories.CampaignFactory()
    leads = {}
    for name, assignee in (("own", rep), ("other", other_rep)):
        lead = services.lead_capture(
            actor=marketer, email=f"{name}@example.com", campaign_id=campaign.pk
        )
        services.lead_qualify(lead_id=lead.pk, actor=marketer)
        services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=assignee.pk)
        leads[name] = lead
    for name, owner in (("own_opp", rep), ("other_opp", other_rep)):
        lead = services.lead_capture(actor=marketer, email=f"{name}@example.com")
        services.lead_qualify(lead_id=lead.pk, actor=marketer)
        services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=owner.pk)
        services.lead_accept(lead_id=lead.pk, actor=owner)
        leads[name] = services.lead_convert(lead_id=lead.pk, actor=owner, amount="100")
    return {"campaign": campaign, **leads}
