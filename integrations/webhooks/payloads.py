"""Webhook bodies: `{event, occurred_at, data}` for a lead's move."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from integrations.models import WebhookEvent

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


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def lead_data(lead: Any) -> dict[str, Any]:
    values = lead.editable_values()
    values["campaign"] = values.pop("campaign_id")
    return {
        "id": lead.pk,
        **values,
        "status": lead.status,
        "owner": lead.owner_id,
        "created_at": _iso(lead.created_at),
    }


def event_data(event: Any) -> dict[str, Any]:
    """`data` of a webhook body: the lead, the move, and its handoff or opportunity."""
    data: dict[str, Any] = {
        "lead": lead_data(event.lead),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor_id,
        "at": _iso(event.at),
        "input": event.data,
    }
    handoff = event.handoff
    if handoff is not None:
        data["handoff"] = {
            "id": handoff.pk,
            "assignee": handoff.assignee_id,
            "handed_off_by": handoff.handed_off_by_id,
            "handed_off_at": _iso(handoff.handed_off_at),
            "sla_due_at": _iso(handoff.sla_due_at),
            "responded_at": _iso(handoff.responded_at),
            "outcome": handoff.outcome,
            "reason": handoff.reason,
            "rating": handoff.rating,
            "feedback": handoff.feedback,
        }
    opportunity = event.opportunity
    if opportunity is not None:
        data["opportunity"] = {
            "id": opportunity.pk,
            "lead": opportunity.lead_id,
            "name": opportunity.name,
            "amount": _money(opportunity.amount),
            "stage": opportunity.stage,
            "owner": opportunity.owner_id,
            "expected_close_date": _iso(opportunity.expected_close_date),
            "created_at": _iso(opportunity.created_at),
            "closed_at": _iso(opportunity.closed_at),
            "lost_reason": opportunity.lost_reason,
        }
    return data


def render_body(event_name: str, occurred_at: dt.datetime, data: dict[str, Any]) -> str:
    body = {"event": event_name, "occurred_at": occurred_at.isoformat(), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)
