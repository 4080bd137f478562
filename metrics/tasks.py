"""Celery tasks that keep the KPI rollups current."""

import datetime as dt

from celery import shared_task

from metrics import fanout, refresh
from metrics.cell_failures import TRANSIENT


@shared_task(
    name="metrics.tasks.refresh_dirty_cells",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def refresh_dirty_cells() -> int:
    """Recompute the dirty rollup cells (idempotent; queued on commit and swept by beat)."""
    return refresh.refresh_dirty()


@shared_task(name="metrics.tasks.recompute_all")
def recompute_all(start: str | None = None, end: str | None = None) -> None:
    """Rebuild every rollup row (of start..end, ISO dates, when given) from the source tables."""
    refresh.recompute_all(
        dt.date.fromisoformat(start) if start else None,
        dt.date.fromisoformat(end) if end else None,
    )


CHUNK_RETRIES = 3


@shared_task(bind=True, name="metrics.tasks.recompute_chunk")
def recompute_chunk(self, chunk_id: int) -> int:
    """Rebuild one month of a fanned-out recompute (idempotent: delete + insert of its days
    in one transaction). A lost connection is retried with backoff; a chunk that still
    fails is marked failed and leaves the other months as they are."""
    try:
        return fanout.run_chunk(chunk_id)
    except TRANSIENT as exc:
        if self.request.retries < CHUNK_RETRIES and not self.request.is_eager:
            raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
        fanout.mark_failed(chunk_id, exc)
        raise
    except Exception as exc:
        fanout.mark_failed(chunk_id, exc)
        raise
