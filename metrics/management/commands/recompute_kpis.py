"""python manage.py recompute_kpis [--start YYYY-MM-DD] [--end YYYY-MM-DD]"""

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics import freshness, refresh


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Rebuild the KPI rollups from the source tables (all days, or --start..--end)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", type=str, default=None, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", type=str, default=None, help="last day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"]) if options["start"] else None
        end = _date(options["end"]) if options["end"] else None
        if start and end and start > end:
            raise CommandError("--start must not be after --end")
        began = time.perf_counter()
        refresh.recompute_all(start, end)
        self.stdout.write(f"KPI rollups rebuilt in {time.perf_counter() - began:.2f} s")
        status = freshness.refresh_status()
        if status.failing_cells:
            self.stderr.write(
                f"{status.failing_cells} cell(s) could not be computed and will be retried; "
                f"latest {status.last_error_day}: {status.last_error}"
            )
