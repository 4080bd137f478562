"""The figures of one size (bench/run.py starts this with DATABASE_URL set to its database).

Writes a JSON object of figures to --json. Everything goes through the product's public
entry points: management commands, the workflow services and the Celery task's function,
and HTTP against gunicorn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
# The server's secret: the sessions made here carry a hash signed with it.
SECRET = "bench-only-" + "k3y-Q9x!" * 8
os.environ["SECRET_KEY"] = SECRET
# Without a broker the tasks run eagerly, inside the move: the refresh must not run before
# it is timed, so the move queues it (in memory here when no Redis is given) and we run it.
if not os.environ.get("CELERY_BROKER_URL"):
    os.environ["CELERY_BROKER_URL"] = "memory://"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import fanout, floor  # noqa: E402
from handoff import services as flow  # noqa: E402
from integrations.models import TOKEN_PREFIX_LENGTH, ApiToken, hash_key  # noqa: E402
from leads.models import Lead  # noqa: E402
from metrics.models import DirtyCell  # noqa: E402

User = get_user_model()
TIMEOUT = 300
RUN = secrets.token_hex(3)
SERIAL = itertools.count()  # unique captures across threads and rounds


STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"  [{time.perf_counter() - STARTED:6.1f} s] {message}", flush=True)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------- people


def token_for(user: Any) -> str:
    key = ApiToken.generate_key()
    ApiToken.objects.create(
        user=user, name="bench", prefix=key[:TOKEN_PREFIX_LENGTH], key_hash=hash_key(key)
    )
    return key


def session_for(user: Any) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def scalar(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
        return row[0] if row else None


# --------------------------------------------------------------------------- recompute


def recompute_once() -> tuple[float, float]:
    """`manage.py recompute_kpis` in a subprocess: (seconds, peak RSS in MB)."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "recompute_kpis"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("manage.py recompute_kpis failed")
    return seconds, usage.ru_maxrss / 1024


def recompute_figures(rounds: int) -> dict[str, Any]:
    times, rss, floors = [], [], []
    warm_up = rounds > 1  # one more, not counted: caches
    for i in range(rounds + warm_up):
        seconds, peak = recompute_once()
        floor_seconds = floor.run(connection)
        if i == 0 and warm_up:
            continue
        times.append(seconds)
        rss.append(peak)
        floors.append(floor_seconds)
    log(f"recompute {median(times):.2f} s, floor {median(floors):.2f} s")
    return {"recompute_s": median(times), "floor_s": median(floors), "recompute_rss_mb": max(rss)}


# --------------------------------------------------------------------------- refresh


def refresh_task() -> Callable[[], Any]:
    """What a worker runs for the queued refresh: the task's own function, called in process."""
    from metrics import tasks

    return tasks.refresh_dirty_cells


def refresh_figures(rounds: int, manager: Any, rep: Any) -> dict[str, Any]:
    """One real handoff through the service (it marks the dirty cells and queues the refresh,
    which no worker takes), then the timed refresh of exactly those cells."""
    run = refresh_task()
    run()  # anything dirty from before is not this move's
    leads = list(
        Lead.objects.filter(status="mql").order_by("id").values_list("pk", flat=True)[: rounds + 1]
    )
    times, statements, cells = [], [], []
    for i, lead_id in enumerate(leads):
        flow.lead_handoff(lead_id=lead_id, actor=manager, assignee_id=rep.pk)
        dirty = DirtyCell.objects.count()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            run()
            elapsed = (time.perf_counter() - began) * 1000
        if i == 0 and len(leads) > 1:
            continue
        times.append(elapsed)
        statements.append(len(queries.captured_queries))
        cells.append(dirty)
    if not times:
        return {"refresh_ms": None, "refresh_note": "no lead in mql to hand off"}
    log(f"refresh {median(times):.1f} ms, {median(cells)} cells, {median(statements)} statements")
    return {
        "refresh_ms": median(times),
        "refresh_statements": [min(statements), max(statements)],
        "refresh_cells": median(cells),
    }


# --------------------------------------------------------------------------- HTTP


def server_env(port: int, static_root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_TIMEOUT": str(TIMEOUT),
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "false",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def start_gunicorn(port: int, log_path: Path) -> subprocess.Popen:
    static_root = ROOT / "var" / "bench-static"
    env = server_env(port, static_root)
    manifest = static_root / "staticfiles.json"
    sources = [p for d in ROOT.glob("*/static") for p in d.rglob("*") if p.is_file()]
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "crm.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"gunicorn did not start on port {port} (see {log_path})")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)

    def call(
        self, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, bytes, float]:
        data = None
        headers = dict(headers)
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                began = time.perf_counter()
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                return response.status, content, (time.perf_counter() - began) * 1000
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def get_figure(
    client: Client, path: str, headers: dict[str, str], rounds: int, per_round: int
) -> dict[str, Any]:
    """Median over rounds of the median of per_round GETs (one warm-up first)."""
    status, body, _ = client.call("GET", path, headers)
    if status != 200:
        return {"ms": None, "status": status, "bytes": len(body)}
    rounds_ms = []
    for _ in range(rounds):
        samples = []
        for _ in range(per_round):
            status, body, ms = client.call("GET", path, headers)
            if status != 200:
                return {"ms": None, "status": status, "bytes": len(body)}
            samples.append(ms)
        rounds_ms.append(statistics.median(samples))
    return {"ms": statistics.median(rounds_ms), "status": 200, "bytes": len(body)}


def lead_row(i: int, prefix: str) -> dict[str, str]:
    return {
        "email": f"{prefix}-{RUN}-{i}@bench-load.test",
        "first_name": "Load",
        "last_name": f"Tester{i % 97}",
        "company": "Bench Load Works",
        "job_title": "Buyer",
    }


def bulk_figure(client: Client, token: str, rounds: int) -> dict[str, Any]:
    headers = {"Authorization": f"Token {token}"}
    rates, created = [], 0
    for r in range(rounds + 1):
        rows = [lead_row(r * 1000 + i, "bulk") for i in range(1000)]
        status, body, ms = client.call("POST", "/api/v1/leads/bulk/", headers, {"leads": rows})
        if status != 200:
            return {"leads_per_s": None, "status": status}
        created = json.loads(body).get("created", 0)
        if r == 0 and rounds > 1:
            continue
        rates.append(created / (ms / 1000))
    return {"leads_per_s": median(rates), "created_per_call": created, "status": 200}


def capture_load(port: int, token: str, seconds: float, clients: int = 8) -> dict[str, Any]:
    """`clients` threads, each POSTing one lead at a time on its keep-alive connection."""
    latencies: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Token {token}"}

    def worker() -> None:
        client = Client(port)
        mine, my_codes = [], {}
        while time.perf_counter() < deadline:
            try:
                status, _, ms = client.call(
                    "POST", "/api/v1/leads/", headers, lead_row(next(SERIAL), "one")
                )
            except OSError:
                status, ms = 0, 0.0
            my_codes[status] = my_codes.get(status, 0) + 1
            if status == 201:
                mine.append(ms)
        with lock:
            latencies.extend(mine)
            for code, count in my_codes.items():
                codes[code] = codes.get(code, 0) + count

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else None
    return {"rps": len(latencies) / elapsed, "p99_ms": p99, "codes": codes}


def http_figures(args: argparse.Namespace, people: dict[str, Any]) -> dict[str, Any]:
    rounds = args.rounds
    many = 1 if args.quick else 5  # requests per round of a fast endpoint
    log_path = Path(os.environ.get("BENCH_LOGS", "/tmp")) / f"bench-gunicorn-{args.port}.log"
    server = start_gunicorn(args.port, log_path)
    figures: dict[str, Any] = {}
    try:
        client = Client(args.port)
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={people['manager_session']}"}
        rep_cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={people['rep_session']}"}
        token = {"Authorization": f"Token {people['manager_token']}"}
        for _ in range(2):  # load both workers' code and templates
            client.call("GET", "/dashboard/", cookie)
            client.call("GET", "/api/v1/leads/", token)
        figures["inbox"] = get_figure(client, "/inbox/", rep_cookie, rounds, 1)
        log(f"inbox {figures['inbox']}")
        figures["dashboard"] = get_figure(
            client, "/dashboard/?preset=last_12_months", cookie, rounds, 1
        )
        log(f"dashboard {figures['dashboard']}")
        for key, term in people["searches"].items():
            q = quote(term)
            figures[f"search_{key}_api"] = get_figure(
                client, f"/api/v1/leads/?q={q}", token, rounds, min(many, 3)
            )
            figures[f"search_{key}_page"] = get_figure(
                client, f"/leads/?q={q}", cookie, rounds, min(many, 3)
            )
            log(f"search {key}: {figures[f'search_{key}_api']} {figures[f'search_{key}_page']}")
        today = dt.date.today()
        span = f"start={today - dt.timedelta(days=364)}&end={today}"
        figures["summary"] = get_figure(
            client, f"/api/v1/kpis/summary/?{span}", token, rounds, many
        )
        figures["breakdown"] = get_figure(
            client, f"/api/v1/kpis/breakdown/?by=campaign&{span}", token, rounds, many
        )
        figures["lead_list"] = get_figure(client, "/api/v1/leads/", token, rounds, many)
        log(f"kpi api {figures['summary']} {figures['breakdown']} {figures['lead_list']}")
        figures["bulk"] = bulk_figure(client, people["marketer_token"], rounds)
        log(f"bulk {figures['bulk']}")
        loads = [
            capture_load(args.port, people["marketer_token"], args.load_seconds)
            for _ in range(rounds)
        ]
        figures["single"] = {
            "rps": median([x["rps"] for x in loads]),
            "p99_ms": median([x["p99_ms"] for x in loads if x["p99_ms"] is not None]),
            "codes": loads[-1]["codes"],
        }
        log(f"single capture {figures['single']}")
    finally:
        stop(server)
    return figures


# --------------------------------------------------------------------------- main


def people_and_terms() -> dict[str, Any]:
    manager = User.objects.get(username="bench-manager")
    marketer = User.objects.get(username="bench-marketer")
    busiest = scalar(
        "SELECT assignee_id FROM handoff_handoff WHERE outcome = 'pending' "
        "GROUP BY assignee_id ORDER BY count(*) DESC, assignee_id LIMIT 1"
    )
    rep = User.objects.get(pk=busiest) if busiest else User.objects.get(username="bench-rep0")
    pending = scalar(
        "SELECT count(*) FROM handoff_handoff WHERE outcome = 'pending' AND assignee_id = %s",
        [rep.pk],
    )
    middle = scalar("SELECT id FROM leads_lead ORDER BY id LIMIT 1 OFFSET %s", [
        max(Lead.objects.count() // 2 - 1, 0)])  # fmt: skip
    lead = Lead.objects.get(pk=middle)
    return {
        "manager": manager,
        "rep": rep,
        "rep_pending": pending,
        "manager_token": token_for(manager),
        "marketer_token": token_for(marketer),
        "manager_session": session_for(manager),
        "rep_session": session_for(rep),
        "searches": {
            "none": "qzxv nomatch",
            "email": lead.email,
            "words": f"{lead.first_name} {lead.last_name}",
        },
    }


def counts() -> dict[str, int]:
    return {
        table: scalar(f"SELECT count(*) FROM {name}")
        for table, name in (
            ("leads", "leads_lead"),
            ("events", "handoff_leadevent"),
            ("handoffs", "handoff_handoff"),
            ("opportunities", "leads_opportunity"),
        )
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-label", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--load-seconds", type=float, default=5.0)
    parser.add_argument("--json", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    figures: dict[str, Any] = {"postgres": scalar("SHOW server_version").split()[0]}
    figures["postgres"] = f"PostgreSQL {figures['postgres']}"
    figures["counts"] = counts()
    figures["size_mb"] = round(scalar("SELECT pg_database_size(current_database())") / 2**20)
    people = people_and_terms()
    figures["rep_pending"] = people["rep_pending"]
    figures["searches"] = people["searches"]
    figures.update(recompute_figures(args.rounds))
    figures.update(refresh_figures(args.rounds, people["manager"], people["rep"]))
    figures.update(http_figures(args, people))
    if args.skip_fanout:
        figures["fanout"] = {"note": "skipped (--skip-fanout)"}
    else:
        figures["fanout"] = fanout.measure(rounds=1 if args.quick else min(args.rounds, 3))
    log(f"fan-out {figures['fanout']}")
    if not str(settings.CELERY_BROKER_URL).startswith("memory"):
        from crm.celery import app

        app.control.purge()  # the refresh tasks the runs queued with no worker to take them
    Path(args.json).write_text(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
