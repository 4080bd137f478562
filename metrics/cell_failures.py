"""Failure isolation of the rollup refresh: one cell that cannot be computed is logged,
counted on its dirty rows (attempts, last error, retry time with backoff) and retried
later, and never rolls back or blocks the other cells (a savepoint per attempt).

The refresh (`metrics.refresh`) passes its own rebuild function in; this module knows
cells, savepoints and the DirtyCell bookkeeping, not how a cell is computed.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.db import InterfaceError, OperationalError, transaction

from leads import bounds
from leads.models import CampaignCost, SalesCost
from metrics.models import DirtyCell

logger = logging.getLogger(__name__)

Cell = tuple[dt.date, str, int]  # (day, dimension, campaign or owner id; 0 for none)
DayRefs = dict[str, set[int | None]]  # dimension -> refs of one day (None: the null bucket)
Rebuild = Callable[[dt.date, DayRefs], None]

# A ref meaning "every campaign / owner of the day": the cell a failed full recompute records.
ALL_REFS = -1
# Lost connections and cancelled statements are not a cell's fault: they end the run (the
# task retries it) instead of being recorded against a cell.
TRANSIENT = (OperationalError, InterfaceError)
RETRY_FIRST = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(hours=1)


class CellOutOfWindow(Exception):
    """Rows are dated on a day outside the KPI window (old rows from before the bounds)."""


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes after the n-th failure, at most an hour; never given up."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:500]


def in_window(day: dt.date) -> bool:
    return bounds.FIRST_DATE <= day <= bounds.LAST_DATE


def check_out_of_window(day: dt.date, refs: DayRefs) -> None:
    """A day outside the window has no rollup row; its cell is done unless cost rows are still
    dated that day (they would count nowhere): then it fails, naming them, until fixed."""
    campaigns = refs.get("campaign", set())
    costs = CampaignCost.objects.filter(date=day)
    if ALL_REFS not in campaigns:
        costs = costs.filter(campaign_id__in=[ref for ref in campaigns if ref])
    count = costs.count() if campaigns else 0
    if refs.get("sales"):
        count += SalesCost.objects.filter(date=day).count()
    if count:
        raise CellOutOfWindow(
            f"{count} cost row(s) dated {day.isoformat()}, outside the KPI window "
            f"{bounds.FIRST_DATE.isoformat()}..{bounds.LAST_DATE.isoformat()}: fix or delete them"
        )


def _attempt(rebuild: Rebuild, day: dt.date, refs: DayRefs) -> BaseException | None:
    try:
        with transaction.atomic():
            rebuild(day, refs)
    except TRANSIENT:
        raise
    except Exception as exc:  # any fault of one cell is recorded, not raised
        return exc
    return None


def run_isolated(day: dt.date, refs: DayRefs, rebuild: Rebuild) -> dict[Cell, str]:
    """Rebuild a day's cells together; if that fails, each cell alone. Returns the failures."""
    if _attempt(rebuild, day, refs) is None:
        return {}
    failures: dict[Cell, str] = {}
    for dimension, ids in refs.items():
        for ref in sorted(ids, key=lambda r: r or 0):
            single: DayRefs = {name: set() for name in refs}
            single[dimension] = {ref}
            exc = _attempt(rebuild, day, single)
            if exc is not None:
                logger.warning(
                    "KPI cell %s %s %s could not be computed",
                    day,
                    dimension,
                    ref or 0,
                    exc_info=exc,
                )
                failures[(day, dimension, ref or 0)] = error_text(exc)
    return failures


def record_failures(
    failures: dict[Cell, str],
    claimed: Iterable[tuple[int, dt.date, str, int, int]],
    now: dt.datetime,
) -> None:
    """Keep the dirty rows of failed cells with attempts + 1, the error and the next retry
    time; a failed cell with no claimed row (a full recompute) gets a new row."""
    rows: dict[Cell, tuple[list[int], int]] = {}
    for row_id, day, dimension, ref, attempts in claimed:
        ids, most = rows.get((day, dimension, ref or 0), ([], 0))
        rows[(day, dimension, ref or 0)] = ([*ids, row_id], max(most, attempts))
    new: list[DirtyCell] = []
    for cell, error in sorted(failures.items()):
        ids, attempts = rows.get(cell, ([], 0))
        fields = {
            "attempts": attempts + 1,
            "last_error": error,
            "retry_at": now + retry_delay(attempts + 1),
        }
        if ids:
            DirtyCell.objects.filter(id__in=ids).update(**fields)
        else:
            day, dimension, ref = cell
            new.append(DirtyCell(day=day, dimension=dimension, ref=ref, **fields))
    DirtyCell.objects.bulk_create(new)


def out_of_window_cost_cells() -> dict[Cell, str]:
    """Cells of cost rows dated outside the window (a full recompute reports them)."""
    outside = {"date__lt": bounds.FIRST_DATE}, {"date__gt": bounds.LAST_DATE}
    failures: dict[Cell, str] = {}
    for lookup in outside:
        for day, campaign_id in (
            CampaignCost.objects.filter(**lookup).values_list("date", "campaign_id").distinct()
        ):
            failures[(day, "campaign", campaign_id)] = ""
        for day in SalesCost.objects.filter(**lookup).values_list("date", flat=True).distinct():
            failures[(day, "sales", 0)] = ""
    for cell in failures:
        day, dimension, ref = cell
        try:
            check_out_of_window(day, {dimension: {ref or None}})
        except CellOutOfWindow as exc:
            failures[cell] = error_text(exc)
    return failures
