"""python manage.py recompute_kpis [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--fanout]"""

import datetime as dt
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from leads import queueing
from metrics import fanout, freshness, refresh, tasks


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
        parser.add_argument(
            "--fanout",
            action="store_true",
            help="queue one Celery task per month (a group: N workers share them), wait, report",
        )
        parser.add_argument(
            "--timeout", type=float, default=3600.0, help="seconds to wait for --fanout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"]) if options["start"] else None
        end = _date(options["end"]) if options["end"] else None
        if start and end and start > end:
            raise CommandError("--start must not be after --end")
        began = time.perf_counter()
        if options["fanout"]:
            self._fanout(start, end, options["timeout"])
        else:
            refresh.recompute_all(start, end)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"KPI rollups rebuilt in {time.perf_counter() - began:.2f} s "
            f"(peak RSS of this process {rss:.0f} MB)"
        )
        status = freshness.refresh_status()
        if status.failing_cells:
            self.stderr.write(
                f"{status.failing_cells} cell(s) could not be computed and will be retried; "
                f"latest {status.last_error_day}: {status.last_error}"
            )

    def _fanout(self, start: dt.date | None, end: dt.date | None, timeout: float) -> None:
        began = timezone.now()
        run = fanout.plan(start, end)
        chunks = list(
            fanout.RecomputeChunk.objects.filter(run=run)
            .order_by("first")
            .values_list("pk", flat=True)
        )
        if (
            chunks
            and queueing.enqueue_group(tasks.recompute_chunk, [(pk,) for pk in chunks]) is None
        ):
            fanout.RecomputeChunk.objects.filter(run=run).delete()
            raise CommandError("the broker refused the chunks; nothing was recomputed")
        status = fanout.wait(run, timeout=timeout)
        fanout.finish(run, full=start is None and end is None, began=began)
        self.stdout.write(
            f"fan-out: {status.chunks} monthly chunk(s), {status.done} done, "
            f"{status.failed} failed, {status.waiting} unfinished; slowest chunk "
            f"{status.slowest:.2f} s"
        )
        if status.failed or status.waiting:
            self.stderr.write(
                f"{status.failed + status.waiting} chunk(s) did not finish: their days are "
                "marked dirty and the incremental refresh retries them"
            )
