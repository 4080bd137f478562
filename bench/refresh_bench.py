"""Time the KPI rollups on a generated database: full recompute, plain-SQL floor, refresh.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1m \\
        .venv/bin/python bench/refresh_bench.py --recompute-rounds 5 --moves 15

Run it on a database made by bench/generate.py. Prints medians of the rounds:
- the full recompute (`refresh.recompute_all`, one process) and its peak RSS;
- the plain-SQL floor: the same aggregates as bare SELECTs (counted, nothing written);
- the incremental refresh after one move through the workflow service (the task is not
  run eagerly: the move only marks its cells), with the statements it ran.
Moves change the data (an accept, a handoff, a qualify per round).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
os.environ["CELERY_BROKER_URL"] = "memory://"  # queued, never run: the bench runs the refresh

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from handoff import services as flow  # noqa: E402
from handoff.models import Handoff  # noqa: E402
from leads.models import Lead  # noqa: E402
from metrics import refresh  # noqa: E402

User = get_user_model()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_queries() -> list[str]:
    """The aggregates of the rollups as minimal plain SQL (one pass per source and
    dimension, the repeats by a window), counted so that nothing is sent back."""
    tz = "current_setting('TIMEZONE')"
    day = "(({t}) AT TIME ZONE {tz})::date"
    sources = [
        ("leads_lead l LEFT JOIN leads_opportunity o ON o.lead_id = l.id", "l.created_at",
         "TRUE", ("l.campaign_id", "l.owner_id"),
         "count(*), count(*) FILTER (WHERE o.stage = 'won')"),
        ("handoff_leadevent e JOIN leads_lead l ON l.id = e.lead_id", "e.at",
         "e.to_status = 'mql' AND e.from_status <> 'mql'", ("l.campaign_id", "l.owner_id"),
         "count(DISTINCT e.lead_id)"),
        ("handoff_handoff h JOIN leads_lead l ON l.id = h.lead_id", "h.handed_off_at", "TRUE",
         ("l.campaign_id", "h.assignee_id"),
         "count(*), count(*) FILTER (WHERE h.responded_at <= h.sla_due_at), count(*) FILTER "
         "(WHERE h.responded_at > h.sla_due_at OR (h.responded_at IS NULL AND h.outcome = "
         "'pending' AND h.sla_due_at < now()) OR (h.outcome = 'reassigned' AND h.closed_at > "
         "h.sla_due_at)), count(h.responded_at), sum(h.responded_at - h.handed_off_at)"),
        ("handoff_handoff h JOIN leads_lead l ON l.id = h.lead_id", "h.responded_at",
         "h.outcome IN ('accepted', 'rejected')", ("l.campaign_id", "h.assignee_id"),
         "count(*) FILTER (WHERE h.outcome = 'accepted'), count(*) FILTER (WHERE h.outcome = "
         "'rejected'), count(h.rating), sum(h.rating), count(*) FILTER (WHERE h.outcome = "
         "'rejected' AND h.reason = 'no_budget')"),
        ("leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id", "o.created_at", "TRUE",
         ("l.campaign_id", "o.owner_id"), "count(*)"),
        ("leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id", "o.closed_at",
         "o.stage IN ('won', 'lost')", ("l.campaign_id", "o.owner_id"),
         "count(*) FILTER (WHERE o.stage = 'won'), sum(o.amount) FILTER (WHERE o.stage = "
         "'won'), sum(o.closed_at - o.created_at) FILTER (WHERE o.stage = 'won')"),
    ]  # fmt: skip
    queries = []
    for rows, t, where, refs, aggs in sources:
        for ref in refs:
            d = day.format(t=t, tz=tz)
            queries.append(
                f"SELECT count(*) FROM (SELECT {d}, {ref}, {aggs} FROM {rows} "
                f"WHERE {t} IS NOT NULL AND {where} GROUP BY 1, 2) q"
            )
    queries.append(
        "SELECT count(*) FROM (SELECT day, prev, l.campaign_id, l.owner_id, count(*) FROM "
        f"(SELECT lead_id, day, lag(day) OVER (PARTITION BY lead_id ORDER BY day) prev FROM "
        f"(SELECT DISTINCT lead_id, {day.format(t='at', tz=tz)} AS day FROM handoff_leadevent "
        "WHERE to_status = 'mql' AND from_status <> 'mql') m) s JOIN leads_lead l ON "
        "l.id = s.lead_id WHERE prev IS NOT NULL GROUP BY 1, 2, 3, 4) q"
    )
    queries.append(
        "SELECT count(*) FROM (SELECT d::date, c.campaign_id, sum(c.amount) FROM "
        "leads_campaigncost c, generate_series(c.date, COALESCE(c.end_date, c.date), "
        "'1 day') d GROUP BY 1, 2) q"
    )
    return queries


def timed_floor() -> float:
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in floor_queries():
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - began


def one_move(manager, reps, n: int) -> str:
    """One move through the service: accept / hand off / qualify, in turn."""
    kind = ("accept", "handoff", "qualify")[n % 3]
    if kind == "accept":
        lead_id = (
            Handoff.objects.filter(outcome="pending").order_by("-id").values_list("lead_id")[:1]
        )
        flow.lead_accept(lead_id=Lead.objects.get(pk__in=lead_id).pk, actor=manager, rating=4)
    elif kind == "handoff":
        lead = Lead.objects.filter(status="mql").order_by("-id").first()
        flow.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=reps[n % len(reps)].pk)
    else:
        lead = Lead.objects.filter(status="new").order_by("-id").first()
        flow.lead_qualify(lead_id=lead.pk, actor=manager)
    return kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recompute-rounds", type=int, default=5)
    parser.add_argument("--floor-rounds", type=int, default=5)
    parser.add_argument("--moves", type=int, default=15)
    args = parser.parse_args()
    print(f"leads: {Lead.objects.count()}")
    refresh.refresh_dirty()
    floors = [timed_floor() for _ in range(args.floor_rounds)]
    if floors:
        print(f"plain-SQL floor: median {statistics.median(floors):.2f} s  {floors}")
    times = []
    for _ in range(args.recompute_rounds):
        began = time.perf_counter()
        refresh.recompute_all()
        times.append(time.perf_counter() - began)
    if times:
        median = statistics.median(times)
        ratio = f" = {median / statistics.median(floors):.2f}x the floor" if floors else ""
        print(
            f"full recompute: median {median:.2f} s{ratio}  "
            f"{[round(t, 2) for t in times]}  peak RSS {peak_rss_mb():.0f} MB"
        )
    manager = User.objects.get(username="bench-manager")
    reps = list(User.objects.filter(username__startswith="bench-rep").order_by("pk"))
    results: dict[str, list[tuple[float, int, int]]] = {}
    for n in range(args.moves):
        kind = one_move(manager, reps, n)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            rebuilt = refresh.refresh_dirty()
            elapsed = (time.perf_counter() - began) * 1000
        results.setdefault(kind, []).append((elapsed, len(queries), rebuilt))
    every = [row for rows in results.values() for row in rows]
    if every:
        for kind, rows in [*results.items(), ("every move", every)]:
            ms = [r[0] for r in rows]
            print(
                f"refresh after one {kind}: median {statistics.median(ms):.1f} ms "
                f"(min {min(ms):.1f}, max {max(ms):.1f}, n={len(ms)}), statements "
                f"{min(r[1] for r in rows)}-{max(r[1] for r in rows)}, cells "
                f"{min(r[2] for r in rows)}-{max(r[2] for r in rows)}"
            )
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
