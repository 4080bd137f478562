"""Domain signal -> a fresh predicted score: when a lead's features change (capture, edit,
MQL, handoff, a touch), one task per transaction scores its leads again once it commits
(a bulk capture's leads together), on a worker: the request that captured them does not
wait for the model. In process when tasks run eagerly (no broker: `make demo`, tests). A
message the broker refused leaves the leads unscored until the nightly training's sweep."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from leads import queueing

logger = logging.getLogger(__name__)
# LeadEvent actions that change what the score reads.
FEATURE_ACTIONS = frozenset({"created", "updated", "qualify", "handoff"})


def _rescore_later(lead_id: int) -> None:
    """Score the lead once the transaction commits (at once outside one); the leads of one
    transaction are scored together, by one on-commit callback."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _queue_rescore({lead_id})
        return
    memo = getattr(conn, "_scoring_pending", None)
    if memo is not None and memo[0] is conn.run_on_commit and not memo[1]["done"]:
        memo[1]["ids"].add(lead_id)
        return
    pending: dict[str, Any] = {"ids": {lead_id}, "done": False}
    conn._scoring_pending = (conn.run_on_commit, pending)

    def rescore_pending() -> None:
        pending["done"] = True
        _queue_rescore(pending["ids"])

    transaction.on_commit(rescore_pending, robust=True)


def _queue_rescore(lead_ids: set[int]) -> None:
    from scoring.tasks import rescore_leads

    queueing.enqueue(rescore_leads, sorted(lead_ids))


def on_lead_moved(sender: Any, event: Any, **kwargs: Any) -> None:
    if event.action in FEATURE_ACTIONS:
        _rescore_later(event.lead_id)


def on_touches_recorded(sender: Any, lead_ids: list[int], **kwargs: Any) -> None:
    for lead_id in lead_ids:
        _rescore_later(lead_id)


def on_leads_captured(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """A bulk capture's batch (handoff.signals.leads_captured): every new lead is scored,
    with a campaign or without."""
    for event in events:
        _rescore_later(event.lead_id)
