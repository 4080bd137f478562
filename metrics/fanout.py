"""The full KPI recompute fanned out by month: independent chunks that N workers share.

`plan` writes one RecomputeChunk row per month of the history; each worker's
`run_chunk` rebuilds its month in one transaction (every builder's DELETE + INSERT of
those days: idempotent, never double-counting, a retry just does it again) and records
its own failed cells; `finish` does what the single-process recompute does once at the
end (rows outside the history, out-of-window costs, the refresh time). A chunk that
fails rolls back only its month: the others stay committed, and its days are marked
dirty for the incremental refresh to retry.

Chunks share the refresh's state row (FOR SHARE): they run side by side, while the
incremental refresh (FOR UPDATE) waits for them and they for it.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from leads import bounds
from metrics import cell_failures, refresh
from metrics.cell_failures import ALL_REFS
from metrics.models import (
    CampaignDay,
    DirtyCell,
    MqlRepeat,
    OwnerDay,
    RecomputeChunk,
    SalesCostDay,
)
from metrics.rollup_scope import CAMPAIGN, OWNER, SALES


def months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """first..last cut at month ends: [(first, end of its month), ..., (1st, last)]."""
    out = []
    start = first
    while start <= last:
        following = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = min(following - dt.timedelta(days=1), last)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


def window(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The days a recompute covers: start..end, or the whole history, inside the bounds."""
    history = refresh.history_window()
    first = start or (history[0] if history else end)
    last = end or (history[1] if history else start)
    if first is None or last is None:
        return None
    first, last = max(first, bounds.FIRST_DATE), min(last, bounds.LAST_DATE)
    return (first, last) if first <= last else None


def plan(start: dt.date | None = None, end: dt.date | None = None) -> uuid.UUID:
    """Write the queued chunks of one run (one per month) and return the run id."""
    run = uuid.uuid4()
    days = window(start, end)
    upto = DirtyCell.objects.aggregate(v=Max("id"))["v"] or 0
    RecomputeChunk.objects.bulk_create(
        [
            RecomputeChunk(run=run, first=first, last=last, claim_upto=upto)
            for first, last in (months(*days) if days else [])
        ]
    )
    return run


def _share_state() -> None:
    """Hold the refresh state row FOR SHARE: chunks run together, never with a refresh."""
    refresh.lock_state_row_exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM metrics_refreshstate WHERE id = 1 FOR SHARE")


def run_chunk(chunk_id: int) -> int:
    """Rebuild one chunk's days; returns its failed cells. Idempotent."""
    chunk = RecomputeChunk.objects.get(pk=chunk_id)
    began = time.perf_counter()
    with transaction.atomic():
        _share_state()
        now = timezone.now()
        failures = refresh.rebuild_window_isolated(chunk.first, chunk.last, now)
        DirtyCell.objects.filter(
            day__gte=chunk.first, day__lte=chunk.last, id__lte=chunk.claim_upto
        ).delete()
        cell_failures.record_failures(failures, [], now)
        RecomputeChunk.objects.filter(pk=chunk_id).update(
            status=RecomputeChunk.Status.DONE,
            failed_cells=len(failures),
            error="",
            seconds=time.perf_counter() - began,
            finished_at=timezone.now(),
        )
    return len(failures)


def mark_failed(chunk_id: int, exc: BaseException) -> None:
    RecomputeChunk.objects.filter(pk=chunk_id).update(
        status=RecomputeChunk.Status.FAILED,
        error=cell_failures.error_text(exc),
        finished_at=timezone.now(),
    )


@dataclass(frozen=True)
class Report:
    chunks: int
    done: int
    failed: int
    waiting: int
    failed_cells: int
    slowest: float

    @property
    def complete(self) -> bool:
        return self.done + self.failed == self.chunks


def report(run: uuid.UUID) -> Report:
    rows = list(
        RecomputeChunk.objects.filter(run=run).values_list("status", "failed_cells", "seconds")
    )
    done = sum(1 for status, _, _ in rows if status == RecomputeChunk.Status.DONE)
    failed = sum(1 for status, _, _ in rows if status == RecomputeChunk.Status.FAILED)
    return Report(
        chunks=len(rows),
        done=done,
        failed=failed,
        waiting=len(rows) - done - failed,
        failed_cells=sum(cells for _, cells, _ in rows),
        slowest=max((seconds or 0.0 for _, _, seconds in rows), default=0.0),
    )


def wait(run: uuid.UUID, *, timeout: float, poll: float = 0.2) -> Report:
    deadline = time.monotonic() + timeout
    while True:
        status = report(run)
        if status.complete or time.monotonic() >= deadline:
            return status
        time.sleep(poll)


def finish(run: uuid.UUID, *, full: bool, began: dt.datetime) -> None:
    """What the recompute does once at the end: rows outside the history go (a full run),
    failed or unfinished chunks are marked dirty (all cells of their days) for the
    refresh to retry, out-of-window cost rows are recorded, the refresh time is set."""
    chunks = list(RecomputeChunk.objects.filter(run=run))
    with transaction.atomic():
        state = refresh.lock_state()
        now = timezone.now()
        failures: dict = {}
        if full:
            upto = max((chunk.claim_upto for chunk in chunks), default=0)
            if chunks:
                first = min(chunk.first for chunk in chunks)
                last = max(chunk.last for chunk in chunks)
                outside = Q(day__lt=first) | Q(day__gt=last)
                for model in (CampaignDay, OwnerDay, MqlRepeat, SalesCostDay):
                    model.objects.filter(outside).delete()
                DirtyCell.objects.filter(outside, id__lte=upto).delete()
            else:
                for model in (CampaignDay, OwnerDay, MqlRepeat, SalesCostDay):
                    model.objects.all().delete()
                DirtyCell.objects.filter(id__lte=upto).delete()
            failures.update(cell_failures.out_of_window_cost_cells())
            state.overdue_checked_until = began
        for chunk in chunks:
            if chunk.status != RecomputeChunk.Status.DONE:
                day = chunk.first
                while day <= chunk.last:
                    for dimension in (CAMPAIGN, OWNER):
                        failures[(day, dimension, ALL_REFS)] = chunk.error or "chunk not finished"
                    failures[(day, SALES, 0)] = chunk.error or "chunk not finished"
                    day += dt.timedelta(days=1)
        cell_failures.record_failures(failures, [], now)
        state.refreshed_at = now
        state.save(update_fields=["refreshed_at", "overdue_checked_until"])
