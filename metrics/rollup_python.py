"""The portable rollup path (the ORM, any database): the embedded SQLite default, and the
per-day / per-cell fallback that isolates a failing cell on PostgreSQL.

One code path rebuilds rows for a window of days, optionally only for some campaigns /
owners. Every count is a grouped aggregate in the database (GROUP BY day in
settings.TIME_ZONE); only aggregated rows, never leads, come back to Python. Its rows
equal the set-based PostgreSQL path (`metrics.rollup_sql`).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate

from handoff.models import Handoff, HandoffOutcome, LeadEvent
from leads.models import Lead, LeadStatus, Opportunity, OpportunityStage
from metrics import cost_days
from metrics.models import (
    FACT_FIELDS,
    REASON_CODES,
    CampaignDay,
    MqlRepeat,
    OwnerDay,
    SalesCostDay,
)
from metrics.rollup_scope import CAMPAIGN, OWNER, day_start, zone

Refs = (
    set[int | None] | None
)  # None: every campaign / owner; a set: only these (None inside = the null bucket)


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


def into_mql(events: QuerySet) -> QuerySet:
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
            into_mql(LeadEvent.objects.all()),
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


def rebuild_dimension(
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


def _cell_order(item: tuple[tuple[dt.date, int | None], Any]) -> tuple[dt.date, int]:
    (day, ref), _ = item
    return day, ref or 0


def rebuild_repeats(dimension: str, first: dt.date, last: dt.date, refs: Refs) -> None:
    """MqlRepeat rows of the window: leads moved into mql on a day after an earlier mql day."""
    start, end = day_start(first), day_start(last + dt.timedelta(days=1))
    event_path = _DIM_PATHS["event"][dimension]
    row_field = "campaign_id" if dimension == CAMPAIGN else "owner_id"
    tz = zone()
    previous = (
        into_mql(LeadEvent.objects.filter(lead_id=OuterRef("lead_id")))
        .annotate(event_day=TruncDate("at", tzinfo=tz))
        .filter(event_day__lt=OuterRef("cell_day"))
        .order_by("-at")
        .values("event_day")[:1]
    )
    rows = (
        into_mql(LeadEvent.objects.filter(at__gte=start, at__lt=end))
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


def rebuild_sales(first: dt.date, last: dt.date) -> None:
    totals = cost_days.sales_cost(first, last)
    SalesCostDay.objects.filter(day__gte=first, day__lte=last).delete()
    SalesCostDay.objects.bulk_create(
        [SalesCostDay(day=day, sales_cost=total) for day, total in sorted(totals.items()) if total],
        batch_size=1000,
    )
