"""Webhook bodies: `{event, occurred_at, data}` for a lead's move."""

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import prefetch_related_objects
from django.utils import timezone

from handoff.api.serializers import HandoffSerializer, LeadSerializer, OpportunitySerializer
from handoff.models import Handoff
from integrations.models import WebhookEvent
from leads.models import Lead

# LeadEvent.action (handoff.transitions.Action) -> webhook event
ACTION_EVENTS: dict[str, str] = {
    "created": WebhookEvent.LEAD_CREATED,
    "qualify": WebhookEvent.LEAD_QUALIFIED,
    "handoff": WebhookEvent.LEAD_HANDED_OFF,
    "reassign": WebhookEvent.LEAD_HANDED_OFF,
    "accept": WebhookEvent.LEAD_ACCEPTED,
    "reject": WebhookEvent.LEAD_REJECTED,
    "convert": WebhookEvent.LEAD_CONVERTED,
    "won": WebhookEvent.OPPORTUNITY_WON,
    "lost": WebhookEvent.OPPORTUNITY_LOST,
    "sla_breached": WebhookEvent.SLA_BREACHED,
}


def lead_data(lead: Lead) -> dict[str, Any]:
    """The lead exactly as `GET /api/v1/leads/{id}/` answers it."""
    if "handoffs" not in getattr(lead, "_prefetched_objects_cache", {}):
        prefetch_related_objects([lead], "handoffs")
    return dict(LeadSerializer(lead).data)


def event_data(event: Any) -> dict[str, Any]:
    """`data` of a webhook body: the move, and the lead, its handoff or opportunity each
    exactly as the REST API's GET of that object answers (one wire format)."""
    lead = event.lead
    if event.action == "created":
        # A new lead has no handoff yet: no query (bulk capture sends one event per lead).
        lead._prefetched_objects_cache = {
            **getattr(lead, "_prefetched_objects_cache", {}),
            "handoffs": Handoff.objects.none(),
        }
    data: dict[str, Any] = {
        "lead": lead_data(lead),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor_id,
        "at": event.at.isoformat(),
        "input": event.data,
    }
    if event.handoff is not None:
        context = {"now": timezone.now()}
        data["handoff"] = dict(HandoffSerializer(event.handoff, context=context).data)
    if event.opportunity is not None:
        data["opportunity"] = dict(OpportunitySerializer(event.opportunity).data)
    return data


def render_body(event_name: str, occurred_at: dt.datetime, data: dict[str, Any]) -> str:
    body = {"event": event_name, "occurred_at": occurred_at.isoformat(), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)
