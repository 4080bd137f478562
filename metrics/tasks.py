"""Celery tasks that keep the KPI rollups current."""

import datetime as dt

from celery import shared_task

from leads import queueing
from metrics import attribution_refresh, fanout, refresh
from metrics.cell_failures import TRANSIENT


@shared_task(
    name="metrics.tasks.refresh_dirty_cells",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def refresh_dirty_cells() -> int:
    """Recompute the dirty rollup cells (idempotent; queued on commit, coalesced while one
    message waits, and swept by beat)."""
    queueing.coalesced_started(refresh_dirty_cells)
    return refresh.refresh_dirty()


@shared_task(name="metrics.tasks.recompute_all")
def recompute_all(start: str | None = None, end: str | None = None) -> None:
    """Rebuild every rollup row (of start..end, ISO dates, when given) from the source tables."""
    refresh.recompute_all(
        dt.date.fromisoformat(start) if start else None,
        dt.date.fromisoformat(end) if end else None,
    )


@shared_task(
    name="metrics.tasks.refresh_attribution",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def refresh_attribution() -> int:
    """Recompute the credits of the leads marked dirty (idempotent; queued on commit by
    metrics.attribution_listeners and swept by beat)."""
    return attribution_refresh.refresh_dirty()


@shared_task(name="metrics.tasks.rebuild_attribution")
def rebuild_attribution() -> int:
    """Rebuild every attribution credit from the won opportunities; returns the row count."""
    return attribution_refresh.rebuild_all().credits


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
