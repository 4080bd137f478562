"""Turn workflow and cost signals into dirty rollup cells, in the writer's transaction.

The rows commit or roll back with the change (an outbox); the refresh task is queued with
transaction.on_commit, once per transaction however many changes it holds, and a cell
already marked earlier in the same transaction is not written again (a bulk capture of
1,000 leads on one day writes a couple of rows, not 1,000).
"""

import datetime as dt
from typing import Any

from django.db import connection, transaction

from handoff import signals as handoff_signals
from leads import queueing
from leads.signals import cost_changed
from metrics import refresh
from metrics.refresh import Cell


def _queue_refresh() -> None:
    """Queue the refresh; if that fails (broker down), the dirty rows wait for the beat sweep
    and the change that was just committed is not reported as failed."""
    from metrics.tasks import refresh_dirty_cells

    queueing.enqueue_coalesced(refresh_dirty_cells)  # one waiting message, not one per write


class _PendingRefresh:
    """The on-commit callback of one transaction, remembering the cells it marked.

    Django drops a callback when its transaction or savepoint rolls back, so finding it
    in `connection.run_on_commit` means the transaction that registered it is still
    alive. A cell is skipped only if it was written under a savepoint stack that is a
    prefix of the current one: a rollback that removes that row removes this change too.
    """

    def __init__(self) -> None:
        self.written: dict[Cell, tuple[str, ...]] = {}

    def __call__(self) -> None:
        _queue_refresh()


def _pending() -> _PendingRefresh:
    for entry in getattr(connection, "run_on_commit", None) or []:
        if isinstance(entry[1], _PendingRefresh):
            return entry[1]
    pending = _PendingRefresh()
    transaction.on_commit(pending)
    return pending


def _mark(cells: set[Cell]) -> None:
    """Write the dirty cells now, queue the refresh for after the commit."""
    if not connection.in_atomic_block:  # autocommit: the row is committed at once
        refresh.insert_cells(cells)
        _queue_refresh()
        return
    pending = _pending()
    stack = tuple(connection.savepoint_ids)
    new = {
        cell
        for cell in cells
        if (seen := pending.written.get(cell)) is None or seen != stack[: len(seen)]
    }
    refresh.insert_cells(new)
    pending.written.update(dict.fromkeys(new, stack))


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
        # A new lead has one fact, its creation day: no query needed.
        lead = event.lead
        cells = refresh.cells_for(
            [refresh.local_day(lead.created_at)], [lead.campaign_id], [lead.owner_id]
        )
    else:
        cells = refresh.lead_cells(
            [event.lead_id],
            extra_days=[refresh.local_day(event.at), *_changed_created_day(event)],
            extra_campaigns=[previous_campaign_id],
            extra_owners=[previous_owner_id],
        )
    _mark(cells)


def on_leads_captured(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """A batch of new leads: each has one fact, its creation day (no query); the cells of
    the whole batch are written in one statement."""
    cells: set[Cell] = set()
    for day, campaign_id, owner_id in {
        (refresh.local_day(e.lead.created_at), e.lead.campaign_id, e.lead.owner_id) for e in events
    }:
        cells |= refresh.cells_for([day], [campaign_id], [owner_id])
    if cells:
        _mark(cells)


def on_cost_changed(
    sender: Any, kind: str, dates: Any, campaign_id: int | None = None, **kwargs: Any
) -> None:
    _mark(refresh.cost_cells(kind=kind, dates=dates, campaign_id=campaign_id))


def connect() -> None:
    handoff_signals.lead_moved.connect(on_lead_moved, dispatch_uid="metrics.lead_moved")
    handoff_signals.leads_captured.connect(on_leads_captured, dispatch_uid="metrics.leads_captured")
    cost_changed.connect(on_cost_changed, dispatch_uid="metrics.cost_changed")
