"""Domain signal -> a fresh predicted score: when a lead's features change (capture, edit,
MQL, handoff, a touch), its score is written again once the transaction commits, in one
batch per transaction (a bulk capture scores its leads together)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from scoring import scorer

logger = logging.getLogger(__name__)
# LeadEvent actions that change what the score reads.
FEATURE_ACTIONS = frozenset({"created", "updated", "qualify", "handoff"})


def _rescore_later(lead_id: int) -> None:
    """Score the lead once the transaction commits (at once outside one); the leads of one
    transaction are scored together, by one on-commit callback."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        scorer.rescore([lead_id])
        return
    memo = getattr(conn, "_scoring_pending", None)
    if memo is not None and memo[0] is conn.run_on_commit and not memo[1]["done"]:
        memo[1]["ids"].add(lead_id)
        return
    pending: dict[str, Any] = {"ids": {lead_id}, "done": False}
    conn._scoring_pending = (conn.run_on_commit, pending)

    def rescore_pending() -> None:
        pending["done"] = True
        scorer.rescore(pending["ids"])

    transaction.on_commit(rescore_pending, robust=True)


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
