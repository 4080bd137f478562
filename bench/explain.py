"""`EXPLAIN (ANALYZE, BUFFERS)` of the hot queries, as markdown: the sales inbox, lead search,
the incremental refresh after one move, the dashboard (12 months).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1m \\
        .venv/bin/python bench/explain.py --top 2 > /tmp/plans.md

Each path runs once in process (Django's test client for pages and the API, the refresh
task's function after a real handoff through the services), its statements are captured,
and the slowest `--top` are explained inside a transaction that is rolled back (a write
is explained without keeping its effect). The handoff it makes stays.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # the plans only, on stdout
if not os.environ.get("CELERY_BROKER_URL"):
    os.environ["CELERY_BROKER_URL"] = "memory://"  # the refresh waits to be run here

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from handoff import services as flow  # noqa: E402
from leads.models import Lead  # noqa: E402
from metrics.tasks import refresh_dirty_cells  # noqa: E402

User = get_user_model()


def plan(sql: str) -> str:
    """The plan of one captured statement, run again inside a rolled-back transaction. A
    statement that depends on one before it (the refresh's INSERT of rows its DELETE just
    removed) can fail alone: that is said instead of a plan."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            rows = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
    except DatabaseError as exc:
        first = str(exc).splitlines()[0]
        return f"(not explainable on its own, without the statements before it: {first})"
    return "\n".join(rows)


def section(title: str, call: Callable[[], Any], top: int) -> None:
    with CaptureQueriesContext(connection) as queries:
        call()
    captured = [
        q
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"))
    ]
    total = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(f"### {title}\n")
    print(f"{len(queries.captured_queries)} statements, {total:.0f} ms in the database.\n")
    for query in sorted(captured, key=lambda q: -float(q["time"]))[:top]:
        print(f"Statement ({float(query['time']) * 1000:.1f} ms):\n")
        print("```sql\n" + query["sql"][:800] + ("..." if len(query["sql"]) > 800 else ""))
        print("```\n\n```text\n" + plan(query["sql"]) + "\n```\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=2)
    args = parser.parse_args()
    manager = User.objects.get(username="bench-manager")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT assignee_id, count(*) FROM handoff_handoff WHERE outcome = 'pending' "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        rep_id, pending = cursor.fetchone()
    rep = User.objects.get(pk=rep_id)
    lead = Lead.objects.order_by("id")[Lead.objects.count() // 2]
    manager_client = Client(HTTP_HOST="localhost")
    manager_client.force_login(manager)
    rep_client = Client(HTTP_HOST="localhost")
    rep_client.force_login(rep)
    print(f"Measured on {Lead.objects.count():,} leads.\n")
    section(
        f"Sales inbox (GET /inbox/, a rep with {pending:,} pending handoffs)",
        lambda: rep_client.get("/inbox/"),
        args.top,
    )
    for name, term in (
        ("no match", "qzxv nomatch"),
        ("an exact email", lead.email),
        ("two words", f"{lead.first_name} {lead.last_name}"),
    ):
        section(
            f"Lead search, {name} (GET /api/v1/leads/?q=...)",
            lambda term=term: manager_client.get(f"/api/v1/leads/?q={quote(term)}"),
            args.top,
        )
    refresh_dirty_cells()
    mql = Lead.objects.filter(status="mql").order_by("id").first()
    if mql is not None:
        flow.lead_handoff(lead_id=mql.pk, actor=manager, assignee_id=rep.pk)
        section("Incremental refresh after one handoff", refresh_dirty_cells, args.top)
    section(
        "Dashboard, 12 months (GET /dashboard/?preset=last_12_months)",
        lambda: manager_client.get("/dashboard/?preset=last_12_months"),
        args.top,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
