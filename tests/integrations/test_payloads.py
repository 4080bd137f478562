"""One wire format: a webhook's `data` holds each object exactly as the REST API's GET
answers it (the same serializers build both)."""

import pytest

from handoff import services
from handoff.models import LeadEvent
from integrations.webhooks.payloads import event_data, render_body
from tests.factories import lead_in_state

pytestmark = pytest.mark.django_db


def _data(event: LeadEvent) -> dict:
    import json

    body = json.loads(render_body("x", event.at, event_data(event)))
    return body["data"]


def test_webhook_data_is_what_get_answers(marketer, rep, manager_api) -> None:
    lead = lead_in_state("mql", marketer=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
    services.lead_accept(lead_id=lead.pk, actor=rep, rating=4)
    opportunity = services.lead_convert(lead_id=lead.pk, actor=rep, amount="1200")
    services.opportunity_win(opportunity_id=opportunity.pk, actor=rep)
    events = {e.action: e for e in LeadEvent.objects.filter(lead=lead)}
    lead_body = manager_api.get(f"/api/v1/leads/{lead.pk}/").json()
    opportunity_body = manager_api.get(f"/api/v1/opportunities/{opportunity.pk}/").json()

    won = _data(events["won"])
    assert won["lead"] == lead_body
    assert won["opportunity"] == opportunity_body

    accepted = _data(events["accept"])
    handoff_body = manager_api.get(f"/api/v1/handoffs/{accepted['handoff']['id']}/").json()
    assert accepted["handoff"] == handoff_body
    # the keys the hand-written body lacked are there now
    assert {"closed_at", "assignment", "breached_at"} <= set(accepted["handoff"])


def test_a_new_lead_in_a_webhook_is_what_get_answers(marketer, manager_api) -> None:
    lead = lead_in_state("new", marketer=marketer)
    created = LeadEvent.objects.get(lead=lead, action="created")
    assert _data(created)["lead"] == manager_api.get(f"/api/v1/leads/{lead.pk}/").json()
