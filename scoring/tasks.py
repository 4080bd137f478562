"""Celery tasks of the scoring app: thin, they call down into training."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from scoring import scorer, training


@shared_task(name="scoring.tasks.train_model")
def train_model() -> dict[str, Any]:
    """Train the lead score (beat: "scoring-train-nightly"; on demand from the model page
    and POST /api/v1/scoring/train/). Idempotent: a run only adds a row."""
    run = training.train()
    unscored = scorer.rescore_unscored()
    return {"version": run.version, "status": run.status, "auc": run.auc, "unscored": unscored}


@shared_task(name="scoring.tasks.rescore_leads")
def rescore_leads(lead_ids: list[int]) -> int:
    """Score these leads again (queued after the commit of a change to their features)."""
    return scorer.rescore(lead_ids)
