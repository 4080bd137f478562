"""The Celery tasks of the CSV lead import: a thin wrapper around imports/runner.py, and the
beat sweep that queues again an import the broker never got.

The run's name stays "handoff.tasks.run_lead_import" (where the task used to live), so
messages already on the broker still find it."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from imports import runner, selectors, transitions
from leads import queueing


@shared_task(name="handoff.tasks.run_lead_import", acks_late=True)
def run_lead_import(import_id: int) -> dict[str, int]:
    """Run or resume one import; a second delivery of a finished import does nothing, and
    two runs of the same import at once never import a row twice (see runner)."""
    lead_import = runner.import_run(import_id=import_id)
    return {
        "created": lead_import.created_count,
        "duplicates": lead_import.duplicate_count,
        "invalid": lead_import.invalid_count,
    }


@shared_task(name="imports.tasks.requeue_stuck", ignore_result=True)
def imports_requeue_stuck() -> int:
    """Beat: queue again every import `queued` for over IMPORT_REQUEUE_AFTER_SECONDS."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.IMPORT_REQUEUE_AFTER_SECONDS)
    queued = 0
    for pk in selectors.stuck_queued_ids(queued_before=cutoff):
        if queueing.enqueue(run_lead_import, pk) is None:
            break  # the broker is still down: the next sweep tries again
        transitions.import_requeued(import_id=pk, at=now)
        queued += 1
    return queued
