"""HTTP benchmark against the peer CRM's figures (../shared/notes/peer-lessons.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/api_load.py --leads 10000 --reset

With a broker set, the work a create queues (KPI refresh, webhooks) goes to Redis as in
production; without one it runs inside the request (the embedded default), which is
several times slower and not what a deployment sees.

Same setup as the peer was measured with: gunicorn with 2 sync workers, PostgreSQL,
DEBUG off, concurrency 8 over keep-alive connections. It generates the history (see
bench/kpis.py), builds the rollups, creates a manager API token, starts gunicorn on a
free port on 127.0.0.1 and measures: create one lead via the API, the leads list's first
page, the KPI summary of the last 12 months, and a tiny view
(/healthz) as the framework's ceiling. It prints each figure and its ratio to the peer's.
"""

import argparse
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from kpis import generate, reset  # noqa: E402  (bench/kpis.py; sets up Django)

from leads.models import Lead  # noqa: E402

# The peer's figures: (10k leads or fewer, 100k leads).
PEER = {
    "create_rps": (59.0, 19.6),
    "list_ms": (152.0, 1292.0),
    "dashboard_ms": (57.0, 182.0),
    "tiny_rps": (3000.0, None),
}
CONCURRENCY = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "crm.settings.base"}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "crm.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def load(
    port: int, request: Callable[[http.client.HTTPConnection, int], int], total: int
) -> tuple[float, list[float], int]:
    """Run `total` requests over CONCURRENCY keep-alive connections: (req/s, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            began = time.perf_counter()
            status = request(conn, n)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                errors += status >= 400

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - began), latencies, errors


def call(conn: http.client.HTTPConnection, method: str, path: str, headers: dict, body=None) -> int:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def ratio(ours: float, theirs: float | None, higher_is_better: bool) -> str:
    if not theirs:
        return ""
    r = ours / theirs if higher_is_better else theirs / ours
    return f"   {r:6.1f}x the peer ({theirs:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of its own")
    call_command("migrate", verbosity=0)
    if args.reset:
        reset()
    have = Lead.objects.count()
    if have < args.leads:
        generate(args.leads - have)
    call_command("recompute_kpis", verbosity=0)
    manager = get_user_model().objects.get(username="bench-manager")
    manager.set_password("bench-pass-1")
    manager.save()
    out = io.StringIO()
    call_command(
        "create_api_token", "bench-manager", name="bench", stdout=out, stderr=io.StringIO()
    )
    token = out.getvalue().strip()
    api = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    scale = 0 if args.leads <= 10_000 else 1
    leads_now = Lead.objects.count()
    port = free_port()
    server = start_gunicorn(port)
    stamp = time.time_ns()
    try:
        print(f"{leads_now} leads; gunicorn 2 sync workers; concurrency {CONCURRENCY}")
        rps, lat, err = load(port, lambda c, n: call(c, "GET", "/healthz", {}), args.requests)
        print(
            f"tiny view /healthz            {rps:8.1f} req/s  p99 {pct(lat, 99):6.1f} ms"
            f"{ratio(rps, PEER['tiny_rps'][scale], True)}"
        )

        def create(c: http.client.HTTPConnection, n: int) -> int:
            body = json.dumps({"email": f"bench-{stamp}-{n}@example.com", "company": "Bench"})
            return call(c, "POST", "/api/v1/leads/", api, body)

        rps, lat, err = load(port, create, args.requests)
        print(
            f"create one lead via API       {rps:8.1f} req/s  p50 {pct(lat, 50):6.1f} ms  "
            f"p99 {pct(lat, 99):6.1f} ms  errors {err}"
            f"{ratio(rps, PEER['create_rps'][scale], True)}"
        )

        def sequential(path: str, headers: dict, runs: int = 50) -> list[float]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            call(conn, "GET", path, headers)
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                status = call(conn, "GET", path, headers)
                samples.append((time.perf_counter() - began) * 1000)
                assert status == 200, (path, status)
            return samples

        lat = sequential("/api/v1/leads/", api)
        print(
            f"leads list, first page (API) p50 {pct(lat, 50):6.1f} ms  p99 {pct(lat, 99):6.1f} ms"
            f"{ratio(pct(lat, 50), PEER['list_ms'][scale], False)}"
        )
        today = timezone.localdate()
        start = today.replace(year=today.year - 1)
        lat = sequential(f"/api/v1/kpis/summary/?start={start}&end={today}", api)
        print(
            f"KPI summary, 12 months (API)  p50 {pct(lat, 50):6.1f} ms  "
            f"p99 {pct(lat, 99):6.1f} ms{ratio(pct(lat, 50), PEER['dashboard_ms'][scale], False)}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
