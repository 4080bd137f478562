"""Diagnosis, evidence and lead-quality timings, with the PostgreSQL plans of the evidence
reads, on a database filled by bench/generate.py:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench \\
        .venv/bin/python bench/diagnosis.py
"""

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from metrics import diagnosis, evidence, quality  # noqa: E402


def timed(label: str, call: Callable[[], Any], runs: int = 5) -> None:
    call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    print(
        f"{label:<44} median {statistics.median(samples):8.2f} ms   "
        f"max {max(samples):8.2f} ms   {len(queries.captured_queries)} queries"
    )


def explain(label: str, call: Callable[[], Any]) -> None:
    with CaptureQueriesContext(connection) as queries:
        call()
    for query in queries.captured_queries:
        sql = query["sql"]
        if "handoff" not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\n{label}:\n{plan}")


def main() -> None:
    today = timezone.localdate()
    year = {"start": today - dt.timedelta(days=365), "end": today}
    quarter = {"start": today - dt.timedelta(days=91), "end": today}
    timed(
        "revenue_diagnosis, 1 year vs the year before", lambda: diagnosis.revenue_diagnosis(**year)
    )
    timed("revenue_diagnosis, quarter", lambda: diagnosis.revenue_diagnosis(**quarter))
    for name in (
        "rep_acceptance_vs_sla",
        "win_rate_by_response_time",
        "rejected_then_won",
        "acceptance_by_campaign_and_rep",
    ):
        read = getattr(evidence, name)
        timed(f"{name}, 1 year", lambda read=read: read(**year))
        timed(f"{name}, quarter", lambda read=read: read(**quarter))
    timed("campaign_quality, 6 months", lambda: quality.campaign_quality(end=today))
    timed("channel_quality, 6 months", lambda: quality.channel_quality(end=today))
    for name in (
        "win_rate_by_response_time",
        "rejected_then_won",
        "acceptance_by_campaign_and_rep",
    ):
        explain(f"{name}, quarter", lambda name=name: getattr(evidence, name)(**quarter))


if __name__ == "__main__":
    main()
