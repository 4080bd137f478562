"""Celery tasks that keep the KPI rollups current."""

import datetime as dt

from celery import shared_task

from metrics import attribution_refresh, refresh


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
