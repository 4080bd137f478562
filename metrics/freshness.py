"""How fresh the KPI numbers are: the last refresh, failing cells, and cells waiting too long.

One query, read by the summary (API `computed_at`, `stale`, `failing_cells`) and by the
dashboard's warning. A cell is failing when the refresh could not compute it (its dirty
rows carry attempts and the last error, see metrics.cell_failures); the numbers are stale
while any cell fails or a change has waited longer than STALE_AFTER for the refresh.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Count, Field, IntegerField, Min, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from metrics.models import DirtyCell, RefreshState

# The refresh runs on commit and the beat sweep every minute or so; a change still waiting
# after this long means the worker or the broker is down.
STALE_AFTER = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class RefreshStatus:
    refreshed_at: dt.datetime | None  # the end of the last refresh run or full recompute
    failing_cells: int  # distinct cells the refresh could not compute
    pending_since: dt.datetime | None  # the oldest change not yet in the numbers
    last_error: str  # the latest failure, for the operator ("" when none)
    last_error_day: dt.date | None
    stale: bool


def _one(queryset: QuerySet, field: str, output_field: Field) -> Subquery:
    return Subquery(queryset.values(field)[:1], output_field=output_field)


def refresh_status(*, now: dt.datetime | None = None) -> RefreshStatus:
    now = now or timezone.now()
    failing = DirtyCell.objects.filter(attempts__gt=0)
    cell = Concat("day", Value(":"), "dimension", Value(":"), "ref", output_field=CharField())
    count = (
        failing.annotate(one=Value(1))
        .values("one")
        .annotate(n=Count(cell, distinct=True))
        .order_by()
        .values("n")
    )
    latest = failing.order_by("-retry_at", "-id")
    row = (
        RefreshState.objects.filter(pk=1)
        .annotate(
            failing=Coalesce(Subquery(count, output_field=IntegerField()), 0),
            pending_since=_one(
                DirtyCell.objects.annotate(k=Value(1)).values("k").annotate(m=Min("created_at")),
                "m",
                output_field=RefreshState._meta.get_field("refreshed_at"),
            ),
            last_error=_one(latest, "last_error", output_field=CharField()),
            last_error_day=_one(latest, "day", output_field=DirtyCell._meta.get_field("day")),
        )
        .values("refreshed_at", "failing", "pending_since", "last_error", "last_error_day")
        .first()
    ) or {}
    pending_since = row.get("pending_since")
    failing_cells = row.get("failing") or 0
    waiting = pending_since is not None and now - pending_since > STALE_AFTER
    return RefreshStatus(
        refreshed_at=row.get("refreshed_at"),
        failing_cells=failing_cells,
        pending_since=pending_since,
        last_error=row.get("last_error") or "",
        last_error_day=row.get("last_error_day"),
        stale=bool(failing_cells or waiting),
    )
