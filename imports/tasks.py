"""The Celery task of the CSV lead import: a thin wrapper around imports/runner.py.

The name stays "handoff.tasks.run_lead_import" (where the task used to live), so messages
already on the broker still find it."""

from celery import shared_task

from imports import runner


@shared_task(name="handoff.tasks.run_lead_import", acks_late=True)
def run_lead_import(import_id: int) -> dict[str, int]:
    """Run or resume one import; a second delivery of a finished import does nothing."""
    lead_import = runner.import_run(import_id=import_id)
    return {
        "created": lead_import.created_count,
        "duplicates": lead_import.duplicate_count,
        "invalid": lead_import.invalid_count,
    }
