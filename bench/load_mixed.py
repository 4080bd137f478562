"""Mixed load on a production-like stack: gunicorn + a real Celery worker on Redis, N clients.

    createdb -h 127.0.0.1 -U postgres crm_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_load \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/load_mixed.py --seconds 60 --clients 50 --workers 3 --reset

Use a PostgreSQL database and a Redis database of their own: the script writes history into
the database and purges the default Celery queue of that Redis database before it starts.

It seeds a history (bench/generate.py, COPY) and rebuilds the rollups, creates a
marketer, a manager and 12 sales reps with tokens and sessions, starts a Celery worker and
gunicorn (sync workers, DEBUG off) on 127.0.0.1, hands off a first batch of leads, then runs
`--clients` threads for `--seconds` seconds, each picking requests from this mix:

    capture     POST /api/v1/leads/ (marketer token)
    feed        POST .../qualify/ then .../handoff/ to a rep (marketer token): keeps the
                reps' queues full
    accept      POST /api/v1/leads/{id}/accept/ (the assigned rep's token)
    reject      POST /api/v1/leads/{id}/reject/ (the assigned rep's token)
    inbox       GET /inbox/ (a rep's session)
    dashboard   GET /dashboard/ (the manager's session)
    list_api    GET /api/v1/leads/ (the manager's token)
    list_page   GET /leads/ (the manager's session)

Then it drains the queue (asks for one more dirty-cell refresh, as beat would, and waits
until the queue and the dirty cells are empty), and prints: requests per type, req/s,
p50/p95/p99, server errors (5xx and broken connections), lost leads (a 201 whose lead is not
in the database) and whether the incremental rollups equal a full recompute (every rollup
row, and the KPI summary over the whole range). It exits 1 when any of those three fails.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from generate import generate, reset  # noqa: E402  (bench/generate.py)

from crm.celery import app as celery_app  # noqa: E402
from handoff import services as flow  # noqa: E402
from integrations.models import TOKEN_PREFIX_LENGTH, ApiToken, hash_key  # noqa: E402
from leads.models import Lead  # noqa: E402
from metrics import refresh, selectors  # noqa: E402
from metrics.models import CampaignDay, DirtyCell, MqlRepeat, OwnerDay, SalesCostDay  # noqa: E402
from metrics.tasks import refresh_dirty_cells  # noqa: E402

User = get_user_model()
MIX = {
    "capture": 20,
    "feed": 14,
    "accept": 10,
    "reject": 8,
    "inbox": 12,
    "dashboard": 8,
    "list_api": 14,
    "list_page": 14,
}
REPS = 12
REQUEST_TIMEOUT = 60


# --------------------------------------------------------------------------- setup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_with_role(username: str, role: str) -> Any:
    user, _ = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


def token_for(user: Any) -> str:
    key = ApiToken.generate_key()
    ApiToken.objects.create(
        user=user, name="load", prefix=key[:TOKEN_PREFIX_LENGTH], key_hash=hash_key(key)
    )
    return key


def session_for(user: Any) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def server_env() -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.base",
        "DEBUG": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # The load measures the stack, not the per-token guard against runaway clients.
        "API_THROTTLE_RATE": "1000000/min",
        "API_ANON_THROTTLE_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def start_worker(log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=server_env(),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if celery_app.control.ping(timeout=0.5):
            return proc
        if proc.poll() is not None:
            raise SystemExit(f"the Celery worker exited on start (see {log})")
    proc.kill()
    raise SystemExit("the Celery worker did not answer a ping within 60 s")


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "crm.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "512",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(),
        stdout=log.open("ab"),
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
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"gunicorn did not start (see {log})")


def warm_up(port: int, session: str, token: str, rounds: int) -> None:
    """Load each worker's code and templates before the clock starts (not measured)."""
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    for _ in range(rounds):
        for path, headers in (
            ("/dashboard/", cookie),
            ("/leads/", cookie),
            ("/api/v1/leads/", {"Authorization": f"Token {token}"}),
        ):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
            conn.close()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --------------------------------------------------------------------------- the load


class Load:
    """Shared state of the clients: the lead pools, the results, the 201s' ids."""

    def __init__(self, port: int, tokens: dict[str, Any], sessions: dict[str, Any]) -> None:
        self.port = port
        self.tokens = tokens
        self.sessions = sessions
        self.lock = threading.Lock()
        self.captured: deque[int] = deque()
        self.pending: deque[tuple[int, int]] = deque()  # (lead id, rep index)
        self.created: list[int] = []
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.broken: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.stamp = time.time_ns()
        self.counter = 0

    # one request ------------------------------------------------------------------

    def call(
        self,
        conn: http.client.HTTPConnection,
        kind: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        session: str | None = None,
        body: dict | None = None,
    ) -> tuple[int, Any]:
        headers = {"Connection": "keep-alive"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if session:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            with self.lock:
                self.broken[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind} {method} {path}: {exc!r}")
            return 0, None
        elapsed = (time.perf_counter() - began) * 1000
        with self.lock:
            self.latencies[kind].append(elapsed)
            self.statuses[kind][response.status] += 1
            if response.status >= 400 and len(self.samples) < 10:
                self.samples.append(f"{kind} {method} {path}: {response.status} {data[:200]!r}")
        if response.getheader("Content-Type", "").startswith("application/json"):
            try:
                return response.status, json.loads(data)
            except ValueError:
                return response.status, None
        return response.status, None

    # the kinds of traffic --------------------------------------------------------------

    def capture(self, conn: http.client.HTTPConnection) -> None:
        with self.lock:
            self.counter += 1
            n = self.counter
        status, body = self.call(
            conn,
            "capture",
            "POST",
            "/api/v1/leads/",
            token=self.tokens["marketer"],
            body={"email": f"load-{self.stamp}-{n}@example.com", "company": "Load", "score": 50},
        )
        if status == 201 and body:
            with self.lock:
                self.created.append(body["id"])
                self.captured.append(body["id"])

    def feed(self, conn: http.client.HTTPConnection, rng: random.Random) -> None:
        with self.lock:
            lead_id = self.captured.popleft() if self.captured else None
        if lead_id is None:
            return self.capture(conn)
        base = f"/api/v1/leads/{lead_id}"
        status, _ = self.call(
            conn, "qualify", "POST", f"{base}/qualify/", token=self.tokens["marketer"], body={}
        )
        if status != 200:
            return None
        rep = rng.randrange(REPS)
        status, _ = self.call(
            conn,
            "handoff",
            "POST",
            f"{base}/handoff/",
            token=self.tokens["marketer"],
            body={"assignee": self.tokens["rep_ids"][rep]},
        )
        if status == 200:
            with self.lock:
                self.pending.append((lead_id, rep))
        return None

    def answer(self, conn: http.client.HTTPConnection, kind: str) -> None:
        with self.lock:
            item = self.pending.popleft() if self.pending else None
        if item is None:
            return self.inbox(conn, random.Random())
        lead_id, rep = item
        body = {"rating": 4} if kind == "accept" else {"reason": "no_budget", "rating": 2}
        self.call(
            conn,
            kind,
            "POST",
            f"/api/v1/leads/{lead_id}/{kind}/",
            token=self.tokens["reps"][rep],
            body=body,
        )
        return None

    def inbox(self, conn: http.client.HTTPConnection, rng: random.Random) -> None:
        session = self.sessions["reps"][rng.randrange(REPS)]
        self.call(conn, "inbox", "GET", "/inbox/", session=session)

    def run_client(self, seed: int, deadline: float) -> None:
        rng = random.Random(seed)
        kinds, weights = list(MIX), list(MIX.values())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        self.capture(conn)  # every client starts with a capture, then picks from MIX
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            if kind == "capture":
                self.capture(conn)
            elif kind == "feed":
                self.feed(conn, rng)
            elif kind in ("accept", "reject"):
                self.answer(conn, kind)
            elif kind == "inbox":
                self.inbox(conn, rng)
            elif kind == "dashboard":
                self.call(conn, kind, "GET", "/dashboard/", session=self.sessions["manager"])
            elif kind == "list_api":
                self.call(conn, kind, "GET", "/api/v1/leads/", token=self.tokens["manager"])
            else:
                self.call(conn, kind, "GET", "/leads/", session=self.sessions["manager"])
        conn.close()


# --------------------------------------------------------------------------- checks


def rollup_snapshot() -> dict[str, list[tuple]]:
    """Every rollup row (without ids), sorted: what a full recompute must reproduce."""
    snapshot = {}
    for model in (CampaignDay, OwnerDay, MqlRepeat, SalesCostDay):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        rows = model.objects.values_list(*fields)
        # A row of zeros is the same as no row.
        snapshot[model.__name__] = sorted(
            (tuple(map(str, row)) for row in rows if any(_nonzero(v) for v in row[1:])),
        )
    return snapshot


def _nonzero(value: Any) -> bool:
    if isinstance(value, (int, Decimal)):
        return value != 0
    if isinstance(value, dt.timedelta):
        return value != dt.timedelta(0)
    return False


def summary_all() -> dict[str, Any]:
    first = Lead.objects.order_by("created_at").values_list("created_at", flat=True).first()
    start = timezone.localtime(first).date() if first else timezone.localdate()
    end = timezone.localdate() + dt.timedelta(days=1)
    summary = selectors.kpi_summary(start=start, end=end)
    return {k: str(v) for k, v in summary.items() if k != "computed_at"}


def queue_length() -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(celery_app.conf.task_default_queue or "celery")


def drain(timeout: float) -> float:
    """Ask for one more dirty-cell refresh (as beat would) and wait until the queue and the
    dirty cells are empty and the worker is idle. Returns the seconds it took."""
    began = time.monotonic()
    refresh_dirty_cells.delay()
    calm = 0
    while time.monotonic() - began < timeout:
        active = celery_app.control.inspect(timeout=1).active() or {}
        busy = any(active.values())
        if not busy and queue_length() == 0 and not DirtyCell.objects.exists():
            calm += 1
            if calm >= 2:
                return time.monotonic() - began
        else:
            calm = 0
        time.sleep(0.5)
    raise SystemExit(f"the queue did not drain within {timeout:.0f} s")


def pct(values: list[float], q: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2-4)")
    parser.add_argument("--leads", type=int, default=5000, help="history to seed")
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    parser.add_argument("--logs", default="/tmp", help="folder for the server logs")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of its own")
    if not str(settings.CELERY_BROKER_URL).startswith("redis"):
        raise SystemExit("set CELERY_BROKER_URL to a Redis database of its own")

    call_command("migrate", verbosity=0)
    if args.reset:
        reset()
    have = Lead.objects.count()
    if have < args.leads:
        generate(args.leads - have)
    refresh.recompute_all()
    marketer = user_with_role("load-marketer", "marketing")
    manager = user_with_role("bench-manager", "manager")
    reps = [user_with_role(f"bench-rep{i}", "sales") for i in range(REPS)]
    tokens = {
        "marketer": token_for(marketer),
        "manager": token_for(manager),
        "reps": [token_for(rep) for rep in reps],
        "rep_ids": [rep.pk for rep in reps],
    }
    sessions = {"manager": session_for(manager), "reps": [session_for(rep) for rep in reps]}
    celery_app.control.purge()

    logs = Path(args.logs)
    port = args.port or free_port()
    worker = start_worker(logs / f"load-worker-{port}.log")
    server = None
    try:
        server = start_gunicorn(port, args.workers, logs / f"load-gunicorn-{port}.log")
        load = Load(port, tokens, sessions)
        # A first batch of handed-off leads, through the services, so reps have work at once.
        for i in range(max(10, args.clients * 2)):
            lead = flow.lead_capture(actor=marketer, email=f"load-{load.stamp}-seed{i}@example.com")
            flow.lead_qualify(lead_id=lead.pk, actor=marketer)
            flow.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=reps[i % REPS].pk)
            load.pending.append((lead.pk, i % REPS))
        connection.close()
        warm_up(port, sessions["manager"], tokens["manager"], rounds=args.workers * 3)

        print(
            f"{Lead.objects.count()} leads; gunicorn {args.workers} sync workers on 127.0.0.1:"
            f"{port}; 1 Celery worker (2 processes); {args.clients} clients for "
            f"{args.seconds:g} s"
        )
        deadline = time.monotonic() + args.seconds
        began = time.perf_counter()
        threads = [
            threading.Thread(target=load.run_client, args=(seed, deadline), daemon=True)
            for seed in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + REQUEST_TIMEOUT + 30)
        elapsed = time.perf_counter() - began
    finally:
        if server is not None:
            stop(server)

    try:
        drained = drain(timeout=max(120.0, args.seconds * 3))
    finally:
        stop(worker)

    # Report -------------------------------------------------------------------------
    total = sum(len(v) for v in load.latencies.values())
    everything = [x for v in load.latencies.values() for x in v]
    header = ("type", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{header[0]:<10} " + " ".join(f"{h:>8}" for h in header[1:]) + "  statuses")
    for kind in [*MIX, "qualify", "handoff"]:
        values = load.latencies.get(kind, [])
        if not values and kind not in load.broken:
            continue
        statuses = " ".join(f"{code}:{n}" for code, n in sorted(load.statuses[kind].items()))
        print(
            f"{kind:<10} {len(values):>8} {len(values) / elapsed:>8.1f} {pct(values, 50):>8.1f} "
            f"{pct(values, 95):>8.1f} {pct(values, 99):>8.1f}  {statuses}"
        )
    print(
        f"{'all':<10} {total:>8} {total / elapsed:>8.1f} {pct(everything, 50):>8.1f} "
        f"{pct(everything, 95):>8.1f} {pct(everything, 99):>8.1f}"
    )
    server_errors = sum(
        n for kind in load.statuses.values() for code, n in kind.items() if code >= 500
    ) + sum(load.broken.values())
    client_errors = sum(
        n for kind in load.statuses.values() for code, n in kind.items() if 400 <= code < 500
    )
    stored = set(Lead.objects.filter(pk__in=load.created).values_list("pk", flat=True))
    lost = len(set(load.created) - stored)
    incremental, summary_before = rollup_snapshot(), summary_all()
    refresh.recompute_all()
    recomputed, summary_after = rollup_snapshot(), summary_all()
    differing = sum(len(set(incremental[name]) ^ set(recomputed[name])) for name in incremental)
    kpis_equal = differing == 0 and summary_before == summary_after
    print(f"elapsed: {elapsed:.1f} s; queue drained in {drained:.1f} s after the load")
    print(f"server errors: {server_errors} (5xx and broken connections)")
    print(f"client errors: {client_errors} (4xx)")
    print(f"leads created (201): {len(load.created)}; lost leads: {lost}")
    print(
        f"KPIs equal to a full recompute: {'yes' if kpis_equal else 'no'} "
        f"({sum(len(v) for v in recomputed.values())} rollup rows, {differing} differing; "
        f"summary {'equal' if summary_before == summary_after else 'differs'})"
    )
    if load.samples:
        print("first answers that were errors:")
        for sample in load.samples:
            print(f"  {sample}")
    return 0 if server_errors == 0 and lost == 0 and kpis_equal else 1


if __name__ == "__main__":
    sys.exit(main())
