"""The dirty-cell outbox worker and the full recompute of the rollups.

Both call the registered rollup builders (`metrics.rollups`) with a `Scope`: the full
recompute once over the whole history (or a month, fanned out by `metrics.fanout`), the
incremental refresh once for all claimed dirty cells together (a fixed number of
statements however many cells), so both give the same rows. A failure falls back to one
day, then one cell, at a time (cell_failures) on the portable path.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from handoff.models import Handoff, HandoffOutcome, LeadEvent
from leads import bounds
from leads.models import CampaignCost, Lead, Opportunity, SalesCost
from metrics import cell_failures, rollups
from metrics.cell_failures import ALL_REFS, TRANSIENT, DayRefs
from metrics.models import (
    CampaignDay,
    DirtyCell,
    MqlRepeat,
    OwnerDay,
    RefreshState,
    SalesCostDay,
)
from metrics.rollup_python import into_mql
from metrics.rollup_scope import CAMPAIGN, OWNER, SALES, CellKey, Scope, day_start
from metrics.rollup_scope import zone as _zone

__all__ = ["day_start", "local_day", "zone"]

logger = logging.getLogger(__name__)


def zone() -> ZoneInfo:
    return _zone()


def local_day(moment: dt.datetime) -> dt.date:
    """The KPI day of a timestamp: its calendar day in settings.TIME_ZONE. A time outside
    the window (an old row from before the bounds) counts as the window's edge, so that
    marking its cells cannot overflow."""
    moment = min(max(moment, bounds.FIRST_TIME), bounds.LAST_TIME - dt.timedelta(microseconds=1))
    return moment.astimezone(zone()).date()


def rebuild(
    first: dt.date,
    last: dt.date,
    *,
    campaigns: set[int | None] | None = None,
    owners: set[int | None] | None = None,
    sales: bool = True,
    now: dt.datetime | None = None,
) -> None:
    """Recompute the rollup rows of days first..last (inclusive) from the source tables.

    campaigns / owners: None rebuilds every campaign / owner; a set only those (an empty
    set skips that dimension). Idempotent: rows are deleted and rewritten.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if campaigns is None and owners is None and sales:
            rollups.rebuild(Scope.window(first, last, now))
            return
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        for day in days:
            refs: DayRefs = {
                CAMPAIGN: {ALL_REFS} if campaigns is None else set(campaigns),
                OWNER: {ALL_REFS} if owners is None else set(owners),
                SALES: {None} if sales else set(),
            }
            _rebuild_cells(day, refs, now, portable=False)


# --- dirty cells -------------------------------------------------------------------------


Cell = tuple[dt.date, str, int]  # (day, dimension, campaign or owner id; 0 for none)


def cells_for(
    days: Iterable[dt.date], campaigns: Iterable[int | None], owners: Iterable[int | None]
) -> set[Cell]:
    days = set(days)
    cells = {(day, CAMPAIGN, ref or 0) for day in days for ref in set(campaigns)}
    cells |= {(day, OWNER, ref or 0) for day in days for ref in set(owners)}
    return cells


def insert_cells(cells: set[Cell]) -> None:
    DirtyCell.objects.bulk_create(
        [DirtyCell(day=day, dimension=dim, ref=ref) for day, dim, ref in sorted(cells)],
        batch_size=1000,
    )


def lead_cells(
    lead_ids: Iterable[int],
    *,
    extra_days: Iterable[dt.date] = (),
    extra_campaigns: Iterable[int | None] = (),
    extra_owners: Iterable[int | None] = (),
) -> set[Cell]:
    """Every cell in which these leads have a fact (4 queries for any number of leads).

    For each lead: the days of its creation, its mql moves, its handoffs (handed off and
    answered), its opportunity (created and closed), plus `extra_days`; crossed with its
    campaign (and `extra_campaigns`, e.g. the previous one) and with every owner its facts
    go to (lead owner, handoff assignees, opportunity owner, and `extra_owners`).
    """
    lead_ids = set(lead_ids)
    if not lead_ids:
        return set()
    extra_days, extra_campaigns, extra_owners = (
        set(extra_days),
        set(extra_campaigns),
        set(extra_owners),
    )
    days: dict[int, set[dt.date]] = defaultdict(lambda: set(extra_days))
    campaigns: dict[int, set[int | None]] = defaultdict(lambda: set(extra_campaigns))
    owners: dict[int, set[int | None]] = defaultdict(lambda: set(extra_owners))
    for lead in Lead.objects.filter(id__in=lead_ids).values(
        "id", "campaign_id", "owner_id", "created_at"
    ):
        days[lead["id"]].add(local_day(lead["created_at"]))
        campaigns[lead["id"]].add(lead["campaign_id"])
        owners[lead["id"]].add(lead["owner_id"])
    for event in into_mql(LeadEvent.objects.filter(lead_id__in=lead_ids)).values_list(
        "lead_id", "at"
    ):
        days[event[0]].add(local_day(event[1]))
    for lead_id, assignee_id, handed_off_at, responded_at in Handoff.objects.filter(
        lead_id__in=lead_ids
    ).values_list("lead_id", "assignee_id", "handed_off_at", "responded_at"):
        owners[lead_id].add(assignee_id)
        days[lead_id].update(local_day(t) for t in (handed_off_at, responded_at) if t)
    for lead_id, owner_id, created_at, closed_at in Opportunity.objects.filter(
        lead_id__in=lead_ids
    ).values_list("lead_id", "owner_id", "created_at", "closed_at"):
        owners[lead_id].add(owner_id)
        days[lead_id].update(local_day(t) for t in (created_at, closed_at) if t)
    cells: set[Cell] = set()
    for lead_id in lead_ids:
        cells |= cells_for(days[lead_id], campaigns[lead_id], owners[lead_id])
    return cells


def cost_cells(*, kind: str, dates: Iterable[dt.date], campaign_id: int | None) -> set[Cell]:
    if kind == "sales":
        return {(day, SALES, 0) for day in dates}
    return {(day, CAMPAIGN, campaign_id or 0) for day in dates}


def mark_overdue(now: dt.datetime, since: dt.datetime | None) -> int:
    """Mark the cells of pending handoffs whose SLA fell due in [since, now): they just
    turned into breaches without any move."""
    handoffs = Handoff.objects.filter(
        outcome=HandoffOutcome.PENDING,
        sla_due_at__lt=now,
        handed_off_at__gte=bounds.FIRST_TIME,
        handed_off_at__lt=bounds.LAST_TIME,
    )
    if since is not None:
        handoffs = handoffs.filter(sla_due_at__gte=since)
    cells: set[Cell] = set()
    for handed_off_at, campaign_id, assignee_id in handoffs.values_list(
        "handed_off_at", "lead__campaign_id", "assignee_id"
    ):
        cells |= cells_for([local_day(handed_off_at)], [campaign_id], [assignee_id])
    insert_cells(cells)
    return len(cells)


def _delete_cells(ids: list[int]) -> None:
    for i in range(0, len(ids), 1000):
        DirtyCell.objects.filter(id__in=ids[i : i + 1000]).delete()


def lock_state_row_exists() -> None:
    RefreshState.objects.get_or_create(pk=1)


def lock_state() -> RefreshState:
    """Lock the single state row: one refresh or recompute at a time (a mutex that works
    on PostgreSQL; SQLite serialises writers anyway)."""
    lock_state_row_exists()
    return RefreshState.objects.select_for_update().get(pk=1)


def _rebuild_cells(day: dt.date, refs: DayRefs, now: dt.datetime, *, portable: bool) -> None:
    """Rebuild one day's cells (ALL_REFS in a dimension: every cell of the day)."""
    if not cell_failures.in_window(day):
        cell_failures.check_out_of_window(day, refs)
        return
    if any(ALL_REFS in ids for ids in refs.values()):
        rollups.rebuild(Scope.window(day, day, now, portable=portable))
        return
    cells = {dimension: {(day, ref) for ref in ids} for dimension, ids in refs.items()}
    rollups.rebuild(Scope.of_cells(cells, now, portable=portable))


def _rebuild_claimed(by_day: dict[dt.date, DayRefs], now: dt.datetime) -> dict[Cell, str]:
    """Rebuild every claimed cell in one go (one savepoint, a fixed number of statements);
    if that fails, day by day and cell by cell on the portable path. Returns the failures."""
    together: dict[str, set[CellKey]] = {CAMPAIGN: set(), OWNER: set(), SALES: set()}
    alone = []
    for day, refs in by_day.items():
        if cell_failures.in_window(day) and not any(ALL_REFS in ids for ids in refs.values()):
            for dimension, ids in refs.items():
                together[dimension].update((day, ref) for ref in ids)
        else:
            alone.append(day)
    if any(together.values()):
        try:
            with transaction.atomic():
                rollups.rebuild(Scope.of_cells(together, now))
        except TRANSIENT:
            raise
        except Exception:  # found and recorded cell by cell below
            logger.warning("grouped KPI refresh failed; retrying day by day", exc_info=True)
            alone.extend(day for day in by_day if day not in alone)
    failures: dict[Cell, str] = {}
    rebuild = partial(_rebuild_cells, now=now, portable=True)
    for day in sorted(alone):
        failures.update(cell_failures.run_isolated(day, by_day[day], rebuild))
    return failures


def refresh_dirty(*, batch_size: int = 2000) -> int:
    """Recompute only the dirty cells; returns how many distinct cells were rebuilt.

    Claims committed DirtyCell rows that are due (select_for_update skip_locked), rebuilds
    their cells from the source tables and deletes exactly the claimed rows, all in one
    transaction: a change committed meanwhile leaves its own rows for the next run. A cell
    that fails keeps its rows with the error and a later retry time (cell_failures), in a
    savepoint, so every other cell still commits. Idempotent.
    """
    rebuilt = 0
    while True:
        with transaction.atomic():
            state = lock_state()
            now = timezone.now()
            mark_overdue(now, state.overdue_checked_until)
            claimed = list(
                DirtyCell.objects.select_for_update(skip_locked=True)
                .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
                .order_by("id")
                .values_list("id", "day", "dimension", "ref", "attempts")[:batch_size]
            )
            by_day: dict[dt.date, DayRefs] = defaultdict(
                lambda: {CAMPAIGN: set(), OWNER: set(), SALES: set()}
            )
            for _, day, dimension, ref, _attempts in claimed:
                by_day[day][dimension].add(ref or None)
            failures = _rebuild_claimed(by_day, now)
            rebuilt += sum(len(r) for refs in by_day.values() for r in refs.values())
            rebuilt -= len(failures)
            _delete_cells([row[0] for row in claimed if (row[1], row[2], row[3]) not in failures])
            cell_failures.record_failures(failures, claimed, now)
            state.refreshed_at = now
            state.overdue_checked_until = now
            state.save(update_fields=["refreshed_at", "overdue_checked_until"])
        if len(claimed) < batch_size:
            return rebuilt


def history_window() -> tuple[dt.date, dt.date] | None:
    """First and last day that can hold a fact: from the oldest lead or cost to today (or the
    latest cost date, if later), inside the window of leads.bounds. None when there is no
    data."""
    firsts: list[dt.date] = []
    lasts: list[dt.date] = [timezone.now().astimezone(zone()).date()]
    oldest = Lead.objects.filter(created_at__gte=bounds.FIRST_TIME).aggregate(v=Min("created_at"))
    if oldest["v"]:
        firsts.append(local_day(oldest["v"]))
    for model in (CampaignCost, SalesCost):
        span = model.objects.filter(bounds.date_in_window("date")).aggregate(
            lo=Min("date"), hi=Max(Coalesce("end_date", "date"))
        )
        if span["lo"]:
            firsts.append(span["lo"])
            lasts.append(span["hi"])
    if not firsts:
        return None
    return min(firsts), max(lasts)


def recompute_all(start: dt.date | None = None, end: dt.date | None = None) -> None:
    """Rebuild every rollup row (of start..end when given) from the source tables.

    Dirty cells committed before it starts are claimed and removed; later ones stay for the
    incremental refresh. Days that fail are found by halving the window, recorded as failed
    cells and left to the incremental refresh's retries; every other day commits.
    """
    with transaction.atomic():
        state = lock_state()
        now = timezone.now()
        full = start is None and end is None
        window = history_window()
        first = start or (window[0] if window else end)
        last = end or (window[1] if window else start)
        claimed = DirtyCell.objects.select_for_update()
        if not full:
            claimed = claimed.filter(day__gte=first, day__lte=last)
        claimed_ids = list(claimed.values_list("id", flat=True))
        if full:
            for model in (CampaignDay, OwnerDay, MqlRepeat, SalesCostDay):
                model.objects.all().delete()
            state.overdue_checked_until = now
        failures: dict[Cell, str] = {}
        if first is not None and last is not None:
            first, last = max(first, bounds.FIRST_DATE), min(last, bounds.LAST_DATE)
            if first <= last:
                failures = rebuild_window_isolated(first, last, now)
        if full:
            failures.update(cell_failures.out_of_window_cost_cells())
        _delete_cells(claimed_ids)
        cell_failures.record_failures(failures, [], now)
        state.refreshed_at = now
        state.save(update_fields=["refreshed_at", "overdue_checked_until"])


def rebuild_window_isolated(first: dt.date, last: dt.date, now: dt.datetime) -> dict[Cell, str]:
    """Rebuild first..last in a savepoint; if it fails, each half, down to single days."""
    if first == last:
        refs: DayRefs = {CAMPAIGN: {ALL_REFS}, OWNER: {ALL_REFS}, SALES: {None}}
        rebuild = partial(_rebuild_cells, now=now, portable=True)
        return cell_failures.run_isolated(first, refs, rebuild)
    try:
        with transaction.atomic():
            rollups.rebuild(Scope.window(first, last, now))
        return {}
    except TRANSIENT:
        raise
    except Exception:  # narrowed down by halves, then recorded per day
        middle = first + (last - first) // 2
        return {
            **rebuild_window_isolated(first, middle, now),
            **rebuild_window_isolated(middle + dt.timedelta(days=1), last, now),
        }
