"""What a rollup builder rebuilds: a window of days (every cell), or only some (day, ref) cells.

Passed to every builder of `metrics.rollups`; the refresh makes one from the claimed dirty
cells, the recompute one per window (or month chunk).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

from metrics.models import DirtyCell

CAMPAIGN = DirtyCell.Dimension.CAMPAIGN.value
OWNER = DirtyCell.Dimension.OWNER.value
SALES = DirtyCell.Dimension.SALES.value

# (day, campaign or owner id); None is the null bucket (unattributed / unowned / sales).
CellKey = tuple[dt.date, int | None]


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight starting `day` in settings.TIME_ZONE, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone())


@dataclass(frozen=True)
class Scope:
    """Days first..last; `cells` None: every cell of those days; else dimension -> cells."""

    first: dt.date
    last: dt.date
    now: dt.datetime
    cells: dict[str, set[CellKey]] | None = None
    # True: the portable ORM path even on PostgreSQL (the fallback that isolates a cell).
    portable: bool = False
    zone: ZoneInfo = field(default_factory=zone)

    @classmethod
    def window(
        cls, first: dt.date, last: dt.date, now: dt.datetime, *, portable: bool = False
    ) -> Scope:
        return cls(first=first, last=last, now=now, portable=portable)

    @classmethod
    def of_cells(
        cls, cells: dict[str, set[CellKey]], now: dt.datetime, *, portable: bool = False
    ) -> Scope:
        days = [day for keys in cells.values() for day, _ in keys]
        return cls(first=min(days), last=max(days), now=now, cells=cells, portable=portable)

    def cells_of(self, dimension: str) -> set[CellKey]:
        """The cells of one dimension (only for a scope of cells)."""
        return (self.cells or {}).get(dimension, set())

    def days(self) -> set[dt.date]:
        """The days of the campaign and owner cells (only for a scope of cells)."""
        return {day for dim in (CAMPAIGN, OWNER) for day, _ in self.cells_of(dim)}

    def sales_days(self) -> set[dt.date] | None:
        """None: every day of the window; else the days of the sales cells."""
        return None if self.cells is None else {day for day, _ in self.cells_of(SALES)}

    def time_ranges(self) -> list[tuple[dt.datetime, dt.datetime]]:
        """The [start, end) time range of each day whose facts are read."""
        if self.cells is None:
            return [(day_start(self.first), day_start(self.last + dt.timedelta(days=1)))]
        return [
            (day_start(day), day_start(day + dt.timedelta(days=1))) for day in sorted(self.days())
        ]
