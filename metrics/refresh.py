"""Rollup computation in SQL: rebuild cells for a window of days, mark and refresh dirty cells.

One code path rebuilds rows for a window of days, optionally only for some campaigns /
owners: the full recompute calls it once over the whole history, the incremental refresh
once per dirty day for the dirty campaigns and owners, so both give the same rows.
Every count is a grouped aggregate in the database (GROUP BY day in settings.TIME_ZONE);
only aggregated rows, never leads, come back to Python.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from handoff.models import Handoff, HandoffOutcome, LeadEvent
from leads import bounds
from leads.models import CampaignCost, Lead, LeadStatus, Opportunity, OpportunityStage, SalesCost
from metrics import cell_failures, cost_days
from metrics.cell_failures import ALL_REFS, TRANSIENT, DayRefs
from metrics.models import (
    FACT_FIELDS,
    REASON_CODES,
    CampaignDay,
    DirtyCell,
    MqlRepeat,
    OwnerDay,
    RefreshState,
    SalesCostDay,
)

CAMPAIGN = DirtyCell.Dimension.CAMPAIGN
OWNER = DirtyCell.Dimension.OWNER
SALES = DirtyCell.Dimension.SALES

Refs = (
    set[int | None] | None
)  # None: every campaign / owner; a set: only these (None inside = the null bucket)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime) -> dt.date:
    """The KPI day of a timestamp: its calendar day in settings.TIME_ZONE. A time outside
    the window (an old row from before the bounds) counts as the window's edge, so that
    marking its cells cannot overflow."""
    moment = min(max(moment, bounds.FIRST_TIME), bounds.LAST_TIME - dt.timedelta(microseconds=1))
    return moment.astimezone(zone()).date()


def day_start(day: dt.date) -> dt.datetime:
    """Midnight starting `day` in settings.TIME_ZONE, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone())


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _ref_filter(path: str, refs: Refs) -> Q:
    if refs is None:
        return Q()
    ids = [ref for ref in refs if ref is not None]
    q = Q(**{f"{path}__in": ids})
    if None in refs:
        q |= Q(**{f"{path}__isnull": True})
    return q


def _into_mql(events: QuerySet) -> QuerySet:
    """Transitions into mql (an edit of a lead already in mql writes mql -> mql: not one)."""
    return events.filter(to_status=LeadStatus.MQL).exclude(from_status=LeadStatus.MQL)


# Where each source's facts go in each dimension (campaign: the lead's source campaign).
_DIM_PATHS: dict[str, dict[str, str]] = {
    "lead": {CAMPAIGN: "campaign_id", OWNER: "owner_id"},
    "event": {CAMPAIGN: "lead__campaign_id", OWNER: "lead__owner_id"},
    "handoff": {CAMPAIGN: "lead__campaign_id", OWNER: "assignee_id"},
    "opportunity": {CAMPAIGN: "lead__campaign_id", OWNER: "owner_id"},
}


def _sources(now: dt.datetime) -> list[tuple[str, QuerySet, str, dict[str, Any]]]:
    """(dimension source, base queryset, time field, aggregates) of every daily fact."""
    won = Q(stage=OpportunityStage.WON)
    answered = Q(responded_at__isnull=False)
    rejected = Q(outcome=HandoffOutcome.REJECTED)
    breached = (
        Q(responded_at__gt=F("sla_due_at"))
        | Q(responded_at__isnull=True, outcome=HandoffOutcome.PENDING, sla_due_at__lt=now)
        | Q(outcome=HandoffOutcome.REASSIGNED, closed_at__gt=F("sla_due_at"))
    )
    return [
        (
            "lead",
            Lead.objects.all(),
            "created_at",
            {
                "leads": Count("id"),
                "cohort_customers": Count("id", filter=Q(opportunity__stage=OpportunityStage.WON)),
            },
        ),
        (
            "event",
            _into_mql(LeadEvent.objects.all()),
            "at",
            {"mqls": Count("lead_id", distinct=True)},
        ),
        (
            "handoff",
            Handoff.objects.all(),
            "handed_off_at",
            {
                "handoffs": Count("id"),
                "sla_met": Count("id", filter=Q(responded_at__lte=F("sla_due_at"))),
                "sla_breached": Count("id", filter=breached),
                "response_count": Count("id", filter=answered),
                "response_total": Sum(
                    _duration("responded_at", "handed_off_at"),
                    filter=answered,
                    output_field=DurationField(),
                ),
            },
        ),
        (
            "handoff",
            Handoff.objects.filter(outcome__in=[HandoffOutcome.ACCEPTED, HandoffOutcome.REJECTED]),
            "responded_at",
            {
                "accepted": Count("id", filter=Q(outcome=HandoffOutcome.ACCEPTED)),
                "rejected": Count("id", filter=rejected),
                "rating_count": Count("rating"),
                "rating_sum": Sum("rating"),
                **{
                    f"rejected_{code}": Count("id", filter=rejected & Q(reason=code))
                    for code in REASON_CODES
                },
            },
        ),
        ("opportunity", Opportunity.objects.all(), "created_at", {"opportunities": Count("id")}),
        (
            "opportunity",
            Opportunity.objects.filter(stage__in=[OpportunityStage.WON, OpportunityStage.LOST]),
            "closed_at",
            {
                "customers": Count("id", filter=won),
                "lost": Count("id", filter=Q(stage=OpportunityStage.LOST)),
                "revenue": Sum("amount", filter=won),
                "sales_cycle_total": Sum(
                    _duration("closed_at", "created_at"), filter=won, output_field=DurationField()
                ),
            },
        ),
    ]


def _zero_facts() -> dict[str, Any]:
    facts: dict[str, Any] = dict.fromkeys(FACT_FIELDS, 0)
    facts["revenue"] = Decimal("0")
    facts["response_total"] = dt.timedelta(0)
    facts["sales_cycle_total"] = dt.timedelta(0)
    return facts


def _compute_cells(
    dimension: str, first: dt.date, last: dt.date, refs: Refs, now: dt.datetime
) -> dict[tuple[dt.date, int | None], dict[str, Any]]:
    """Facts of every (day, ref) cell of one dimension in first..last, from the sources."""
    start, end = day_start(first), day_start(last + dt.timedelta(days=1))
    cells: dict[tuple[dt.date, int | None], dict[str, Any]] = defaultdict(_zero_facts)
    for source, queryset, time_field, aggregates in _sources(now):
        path = _DIM_PATHS[source][dimension]
        rows = (
            queryset.filter(**{f"{time_field}__gte": start, f"{time_field}__lt": end})
            .filter(_ref_filter(path, refs))
            .annotate(cell_day=TruncDate(time_field, tzinfo=zone()), cell_ref=F(path))
            .order_by()
            .values("cell_day", "cell_ref")
            .annotate(**aggregates)
        )
        for row in rows:
            cell = cells[(row.pop("cell_day"), row.pop("cell_ref"))]
            for name, value in row.items():
                if value is not None:
                    cell[name] = value
    if dimension == CAMPAIGN:
        spend = cost_days.campaign_spend(first, last, _ref_filter("campaign_id", refs))
        for (day, campaign_id), total in spend.items():
            cells[(day, campaign_id)]["marketing_spend"] = total
    return cells


def _is_empty(facts: dict[str, Any]) -> bool:
    return not any(facts.values())


def _rebuild_dimension(
    dimension: str, first: dt.date, last: dt.date, refs: Refs, now: dt.datetime
) -> None:
    model, field = (CampaignDay, "campaign_id") if dimension == CAMPAIGN else (OwnerDay, "owner_id")
    cells = _compute_cells(dimension, first, last, refs, now)
    model.objects.filter(day__gte=first, day__lte=last).filter(_ref_filter(field, refs)).delete()
    model.objects.bulk_create(
        [
            model(day=day, **{field: ref}, **facts)
            for (day, ref), facts in sorted(cells.items(), key=_cell_order)
            if not _is_empty(facts)
        ],
        batch_size=1000,
    )
    _rebuild_repeats(dimension, first, last, refs)


def _cell_order(item: tuple[tuple[dt.date, int | None], Any]) -> tuple[dt.date, int]:
    (day, ref), _ = item
    return day, ref or 0


def _rebuild_repeats(dimension: str, first: dt.date, last: dt.date, refs: Refs) -> None:
    """MqlRepeat rows of the window: leads moved into mql on a day after an earlier mql day."""
    start, end = day_start(first), day_start(last + dt.timedelta(days=1))
    event_path = _DIM_PATHS["event"][dimension]
    row_field = "campaign_id" if dimension == CAMPAIGN else "owner_id"
    tz = zone()
    previous = (
        _into_mql(LeadEvent.objects.filter(lead_id=OuterRef("lead_id")))
        .annotate(event_day=TruncDate("at", tzinfo=tz))
        .filter(event_day__lt=OuterRef("cell_day"))
        .order_by("-at")
        .values("event_day")[:1]
    )
    rows = (
        _into_mql(LeadEvent.objects.filter(at__gte=start, at__lt=end))
        .filter(_ref_filter(event_path, refs))
        .annotate(cell_day=TruncDate("at", tzinfo=tz))
        .annotate(prev=Subquery(previous))
        .filter(prev__isnull=False)
        .order_by()
        .values("cell_day", "prev", "lead__campaign_id", "lead__owner_id")
        .annotate(n=Count("lead_id", distinct=True))
    )
    MqlRepeat.objects.filter(day__gte=first, day__lte=last).filter(
        _ref_filter(row_field, refs)
    ).delete()
    MqlRepeat.objects.bulk_create(
        [
            MqlRepeat(
                day=row["cell_day"],
                prev_day=row["prev"],
                campaign_id=row["lead__campaign_id"],
                owner_id=row["lead__owner_id"],
                leads=row["n"],
            )
            for row in rows
        ],
        batch_size=1000,
    )


def _rebuild_sales(first: dt.date, last: dt.date) -> None:
    totals = cost_days.sales_cost(first, last)
    SalesCostDay.objects.filter(day__gte=first, day__lte=last).delete()
    SalesCostDay.objects.bulk_create(
        [SalesCostDay(day=day, sales_cost=total) for day, total in sorted(totals.items()) if total],
        batch_size=1000,
    )


def rebuild(
    first: dt.date,
    last: dt.date,
    *,
    campaigns: Refs = None,
    owners: Refs = None,
    sales: bool = True,
    now: dt.datetime | None = None,
) -> None:
    """Recompute the rollup rows of days first..last (inclusive) from the source tables.

    campaigns / owners: None rebuilds every campaign / owner; a set only those (an empty
    set skips that dimension). Idempotent: rows are deleted and rewritten.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if campaigns is None or campaigns:
            _rebuild_dimension(CAMPAIGN, first, last, campaigns, now)
        if owners is None or owners:
            _rebuild_dimension(OWNER, first, last, owners, now)
        if sales:
            _rebuild_sales(first, last)


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
    for event in _into_mql(LeadEvent.objects.filter(lead_id__in=lead_ids)).values_list(
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


def _lock_state() -> RefreshState:
    """Lock the single state row: one refresh or recompute at a time (a mutex that works
    on PostgreSQL; SQLite serialises writers anyway)."""
    RefreshState.objects.get_or_create(pk=1)
    return RefreshState.objects.select_for_update().get(pk=1)


def _rebuild_cells(day: dt.date, refs: DayRefs, now: dt.datetime) -> None:
    """Rebuild one day's cells (ALL_REFS in a dimension: every campaign / owner)."""
    if not cell_failures.in_window(day):
        cell_failures.check_out_of_window(day, refs)
        return

    def chosen(dimension: str) -> Refs:
        return None if ALL_REFS in refs[dimension] else refs[dimension]

    rebuild(
        day,
        day,
        campaigns=chosen(CAMPAIGN),
        owners=chosen(OWNER),
        sales=bool(refs[SALES]),
        now=now,
    )


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
            state = _lock_state()
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
            failures: dict[Cell, str] = {}
            for day, refs in sorted(by_day.items()):
                failed = cell_failures.run_isolated(day, refs, partial(_rebuild_cells, now=now))
                failures.update(failed)
                rebuilt += sum(len(r) for r in refs.values()) - len(failed)
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
        state = _lock_state()
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
                failures = _rebuild_isolated(first, last, now)
        if full:
            failures.update(cell_failures.out_of_window_cost_cells())
        _delete_cells(claimed_ids)
        cell_failures.record_failures(failures, [], now)
        state.refreshed_at = now
        state.save(update_fields=["refreshed_at", "overdue_checked_until"])


def _rebuild_isolated(first: dt.date, last: dt.date, now: dt.datetime) -> dict[Cell, str]:
    """Rebuild first..last in a savepoint; if it fails, each half, down to single days."""
    if first == last:
        refs: DayRefs = {CAMPAIGN: {ALL_REFS}, OWNER: {ALL_REFS}, SALES: {None}}
        return cell_failures.run_isolated(first, refs, partial(_rebuild_cells, now=now))
    try:
        with transaction.atomic():
            rebuild(first, last, now=now)
        return {}
    except TRANSIENT:
        raise
    except Exception:  # narrowed down by halves, then recorded per day
        middle = first + (last - first) // 2
        return {
            **_rebuild_isolated(first, middle, now),
            **_rebuild_isolated(middle + dt.timedelta(days=1), last, now),
        }
