"""python manage.py kpi_summary [--start YYYY-MM-DD] [--end YYYY-MM-DD]

Prints the KPI summary and the per-campaign breakdown of a range as JSON, read from the
rollups: compare its output before a backup and after a restore.
"""

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from metrics import selectors


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def kpi_report(start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "summary": selectors.kpi_summary(start=start, end=end),
        "by_campaign": selectors.kpi_breakdown(by="campaign", start=start, end=end),
    }


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, cls=DjangoJSONEncoder, sort_keys=True)


class Command(BaseCommand):
    help = "Print the KPI summary and per-campaign breakdown of a range as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", type=str, default=None, help="first day (a year back)")
        parser.add_argument("--end", type=str, default=None, help="last day (today)")

    def handle(self, *args: Any, **options: Any) -> None:
        end = _date(options["end"]) if options["end"] else timezone.localdate()
        start = _date(options["start"]) if options["start"] else end - dt.timedelta(days=364)
        if start > end:
            raise CommandError("--start must not be after --end")
        self.stdout.write(as_json(kpi_report(start, end)))
