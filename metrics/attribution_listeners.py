"""Mark leads whose attribution credits change, in the writer's transaction (an outbox),
and queue metrics.tasks.refresh_attribution once that transaction commits.

A lead is marked when an opportunity move of handoff's `lead_moved` names its opportunity
(won, lost, edited: a reopen or amount change later would be covered too), and when
touches are recorded for a lead whose opportunity is already won (one indexed query; a
capture of new leads marks nothing).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from handoff import signals as handoff_signals
from leads import queueing
from leads.models import Opportunity, OpportunityStage
from leads.signals import touches_recorded
from metrics.models import AttributionDirty


def _queue() -> None:
    from metrics.tasks import refresh_attribution

    queueing.enqueue(refresh_attribution)


class _QueueAfterCommit:
    """The one on-commit callback of a transaction (found again by its type)."""

    def __call__(self) -> None:
        _queue()


def mark(lead_ids: list[int]) -> None:
    """Write dirty rows now; queue the refresh after the commit (at once in autocommit)."""
    if not lead_ids:
        return
    AttributionDirty.objects.bulk_create(
        [AttributionDirty(lead_id=lead_id) for lead_id in sorted(set(lead_ids))]
    )
    if not connection.in_atomic_block:
        _queue()
        return
    for entry in getattr(connection, "run_on_commit", None) or []:
        if isinstance(entry[1], _QueueAfterCommit):
            return
    transaction.on_commit(_QueueAfterCommit(), robust=True)


def on_lead_moved(sender: Any, event: Any, **kwargs: Any) -> None:
    if getattr(event, "opportunity_id", None) is not None:
        mark([event.lead_id])


def on_touches_recorded(sender: Any, lead_ids: list[int] | None = None, **kwargs: Any) -> None:
    if not lead_ids:
        return
    won = list(
        Opportunity.objects.filter(lead_id__in=lead_ids, stage=OpportunityStage.WON).values_list(
            "lead_id", flat=True
        )
    )
    mark(won)


def connect() -> None:
    handoff_signals.lead_moved.connect(on_lead_moved, dispatch_uid="metrics.attribution.moved")
    touches_recorded.connect(on_touches_recorded, dispatch_uid="metrics.attribution.touches")
