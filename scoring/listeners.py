"""Domain signal -> a fresh predicted score: when a lead's features change (capture, edit,
MQL, handoff, a touch), its score is written again once the transaction commits, in one
batch per transaction (a bulk capture scores its leads together)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from leads import models as lead_models
from scoring import scorer

logger = logging.getLogger(__name__)
# LeadEvent actions that change what the score reads.
FEATURE_ACTIONS = frozenset({"created", "updated", "qualify", "handoff"})


def _rescore_later(lead_id: int) -> None:
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        scorer.rescore([lead_id])
        return
    memo = getattr(conn, "_scoring_pending", None)
    if memo is not None and memo[0] is conn.run_on_commit:
        memo[1].add(lead_id)
        return
    pending = {lead_id}
    conn._scoring_pending = (conn.run_on_commit, pending)

    def rescore_pending() -> None:
        scorer.rescore(pending)

    transaction.on_commit(rescore_pending, robust=True)


def on_lead_moved(sender: Any, event: Any, **kwargs: Any) -> None:
    if event.action in FEATURE_ACTIONS:
        _rescore_later(event.lead_id)


def on_touch_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    _rescore_later(instance.lead_id)


def connect_touches() -> None:
    touch = getattr(lead_models, "Touch", None)
    if touch is not None:
        post_save.connect(on_touch_saved, sender=touch, dispatch_uid="scoring-on-touch")
