"""Celery tasks of the alignment app: thin, they call down into the module doing the work."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from alignment import digest_send


@shared_task(name="alignment.tasks.send_weekly_digest", bind=True, max_retries=3)
def send_weekly_digest(self: Any) -> dict[str, Any]:
    """The Monday digest (beat: "alignment-weekly-digest"). Idempotent per user and week; a
    run with failed sends is retried later, and only those are sent again."""
    run = digest_send.send_weekly_digest()
    if run.failed:
        raise self.retry(countdown=15 * 60)
    return run.as_dict()
