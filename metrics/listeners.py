"""Turn workflow and cost signals into dirty rollup cells, in the writer's transaction.

The rows commit or roll back with the change (an outbox); the refresh task is queued with
transaction.on_commit, once per transaction however many changes it holds.
"""

import datetime as dt
from typing import Any

from django.db import connection, transaction

from handoff import signals as handoff_signals
from leads.signals import cost_changed
from metrics import refresh


def _queue_refresh() -> None:
    from metrics.tasks import refresh_dirty_cells

    refresh_dirty_cells.delay()


def _queue_once() -> None:
    """Queue the refresh on commit unless this transaction already has it queued."""
    pending = getattr(connection, "run_on_commit", None) or []
    if any(entry[1] is _queue_refresh for entry in pending):
        return
    transaction.on_commit(_queue_refresh)


def _changed_created_day(event: Any) -> list[dt.date]:
    """The old creation day when an edit moved the lead's created_at (its cohort cell)."""
    changed = (event.data or {}).get("changed") or {}
    old = changed.get("created_at")
    if not old:
        return []
    try:
        return [refresh.local_day(dt.datetime.fromisoformat(str(old[0])))]
    except (TypeError, ValueError, IndexError):
        return []


def on_lead_moved(
    sender: Any,
    event: Any,
    previous_owner_id: int | None = None,
    previous_campaign_id: int | None = None,
    **kwargs: Any,
) -> None:
    if event.action == "created":
        # A new lead has one fact: its creation day (no query needed, bulk capture stays cheap).
        lead = event.lead
        refresh.mark_cells(
            days=[refresh.local_day(lead.created_at)],
            campaigns=[lead.campaign_id],
            owners=[lead.owner_id],
        )
    else:
        refresh.mark_leads(
            [event.lead_id],
            extra_days=[refresh.local_day(event.at), *_changed_created_day(event)],
            extra_campaigns=[previous_campaign_id],
            extra_owners=[previous_owner_id],
        )
    _queue_once()


def on_leads_bulk_created(sender: Any, events: list[Any], **kwargs: Any) -> None:
    if events:
        refresh.mark_leads({event.lead_id for event in events})
        _queue_once()


def on_cost_changed(
    sender: Any, kind: str, dates: Any, campaign_id: int | None = None, **kwargs: Any
) -> None:
    refresh.mark_costs(kind=kind, dates=dates, campaign_id=campaign_id)
    _queue_once()


def connect() -> None:
    handoff_signals.lead_moved.connect(on_lead_moved, dispatch_uid="metrics.lead_moved")
    bulk = getattr(handoff_signals, "leads_bulk_created", None)
    if bulk is not None:
        bulk.connect(on_leads_bulk_created, dispatch_uid="metrics.leads_bulk_created")
    cost_changed.connect(on_cost_changed, dispatch_uid="metrics.cost_changed")
