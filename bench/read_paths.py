"""Time the read paths of issue 13 in process (Django test client, no server): lead search
(API and page), the sales inbox, the dashboard, the rep lead list, pipeline, campaign list
and the KPI API; median and spread of --rounds rounds after one warm-up, queries and bytes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1m \\
        .venv/bin/python bench/read_paths.py --rounds 7

Reads a database built by bench/generate.py (its users bench-rep0..19, bench-marketer,
bench-manager). The machine is shared: compare figures taken in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from handoff.models import Handoff  # noqa: E402
from leads.models import Lead  # noqa: E402


def _pending_heavy_rep() -> str:
    from django.db.models import Count

    row = (
        Handoff.objects.filter(outcome="pending")
        .values("assignee__username")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["assignee__username"] if row else "bench-rep0"


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _time(client: Client, url: str, rounds: int, **headers: str) -> dict[str, float]:
    response = client.get(url, **headers)  # warm-up (and a cache fill where there is one)
    assert response.status_code == 200, (url, response.status_code)
    times, queries = [], 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    reset_queries()
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "queries": queries,
        "kb": len(response.content) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated names to run")
    args = parser.parse_args()
    lead = Lead.objects.order_by("id")[Lead.objects.count() // 2]
    email = lead.email
    words = f"{lead.first_name} {lead.last_name}"
    rep = _pending_heavy_rep()
    pending = Handoff.objects.filter(assignee__username=rep, outcome="pending").count()
    print(f"leads={Lead.objects.count()} rep={rep} pending={pending} email={email} words={words!r}")
    marketer, manager, sales = _client("bench-marketer"), _client("bench-manager"), _client(rep)
    checks = [
        ("search API no match", marketer, "/api/v1/leads/?q=zzqxv"),
        ("search API exact email", marketer, f"/api/v1/leads/?q={email}"),
        ("search API two words", marketer, f"/api/v1/leads/?q={words.replace(' ', '+')}"),
        ("search page no match", marketer, "/leads/?q=zzqxv"),
        ("search page exact email", marketer, f"/leads/?q={email}"),
        ("search page two words", marketer, f"/leads/?q={words.replace(' ', '+')}"),
        ("lead list API", marketer, "/api/v1/leads/"),
        ("lead list page", marketer, "/leads/"),
        ("rep lead list page", sales, "/leads/"),
        ("inbox page", sales, "/inbox/"),
        ("pipeline page", sales, "/pipeline/"),
        ("campaign list page", marketer, "/campaigns/"),
        ("dashboard 12 months", manager, "/dashboard/?preset=last_12_months"),
        ("KPI summary API", manager, "/api/v1/kpis/summary/?start=2025-12-01&end=2026-11-30"),
        (
            "KPI breakdown API",
            manager,
            "/api/v1/kpis/breakdown/?by=campaign&start=2025-12-01&end=2026-11-30",
        ),
    ]
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    print(f"{'path':28} {'median ms':>10} {'min':>8} {'max':>8} {'queries':>8} {'KB':>8}")
    for name, client, url in checks:
        if only and name not in only:
            continue
        # `search=` is the API's parameter name if the lead filter is `q`: ask both.
        url = url.replace("/api/v1/leads/?q=", "/api/v1/leads/?q=")
        r = _time(client, url, args.rounds)
        print(
            f"{name:28} {r['median']:10.1f} {r['min']:8.1f} {r['max']:8.1f} "
            f"{r['queries']:8d} {r['kb']:8.1f}"
        )


if __name__ == "__main__":
    main()
