"""The write path under gunicorn: bulk capture (1,000 rows a call) and single capture.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1m \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/write_load.py --rounds 5 --port 8765

Run it on a database built by bench/generate.py (it needs the `bench-manager` user and
campaigns). It starts gunicorn with 2 sync workers (the project's gunicorn.conf.py, DEBUG
off), makes a manager API token and measures, in `--rounds` rounds each:
- bulk capture: `--bulk-calls` sequential POST /api/v1/leads/bulk/ of 1,000 new leads with
  a campaign (each row also records a touch): leads/s of the round;
- single capture: `--requests` POST /api/v1/leads/ over 8 keep-alive connections: req/s
  and p99 of the round.
It prints the medians, the per-round figures and the load average. Queued tasks go to the
broker; no worker is started (a deployment's workers run elsewhere), so the script
deletes the Celery queue key of its own Redis database at the end.
"""

import argparse
import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from leads.models import Campaign, Lead  # noqa: E402

CONCURRENCY = 8


def start_gunicorn(port: int, root: Path = ROOT) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "crm.settings.base"}
    env.setdefault("WEB_CONCURRENCY", "2")
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "crm.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            env["WEB_CONCURRENCY"],
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stdout=open(os.environ.get("WRITE_LOAD_SERVER_LOG", os.devnull), "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def call(conn: http.client.HTTPConnection, method: str, path: str, headers: dict, body=None):
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def load(port: int, request, total: int) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
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
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - began), latencies, statuses


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bulk-calls", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--skip", choices=["bulk", "single"], default=None)
    parser.add_argument("--root", type=Path, default=ROOT, help="serve this checkout's code")
    args = parser.parse_args()
    out = io.StringIO()
    call_command(
        "create_api_token", "bench-manager", name="write", stdout=out, stderr=io.StringIO()
    )
    token = out.getvalue().strip()
    api = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    campaigns = list(Campaign.objects.values_list("pk", flat=True)[:50])
    rng = random.Random(7)
    stamp = time.time_ns()
    print(f"{Lead.objects.count()} leads before; gunicorn 2 sync workers; load {os.getloadavg()}")
    server = start_gunicorn(args.port, args.root)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        if args.skip != "bulk":
            rates = []
            for r in range(args.rounds):
                bodies = [
                    json.dumps(
                        {
                            "leads": [
                                {
                                    "email": f"w{stamp}-{r}-{c}-{i}@example.com",
                                    "first_name": "Ana",
                                    "last_name": f"Bulk{i}",
                                    "company": "Bench Corp",
                                    "country": "ES",
                                    "campaign": rng.choice(campaigns),
                                }
                                for i in range(1000)
                            ]
                        }
                    )
                    for c in range(args.bulk_calls)
                ]
                began = time.perf_counter()
                for body in bodies:
                    status, answer = call(conn, "POST", "/api/v1/leads/bulk/", api, body)
                    assert status == 200, (status, answer[:300])
                    assert json.loads(answer)["created"] == 1000, answer[:300]
                rates.append(1000 * args.bulk_calls / (time.perf_counter() - began))
            print(
                f"bulk capture 1,000/call  median {statistics.median(rates):8.0f} leads/s  "
                f"rounds {[round(x) for x in rates]}  load {os.getloadavg()}"
            )
        if args.skip != "single":
            figures = []
            for r in range(args.rounds):

                def create(c: http.client.HTTPConnection, n: int, r: int = r) -> int:
                    body = json.dumps(
                        {
                            "email": f"s{stamp}-{r}-{n}@example.com",
                            "company": "Bench",
                            "campaign": campaigns[n % len(campaigns)],
                        }
                    )
                    return call(c, "POST", "/api/v1/leads/", api, body)[0]

                rps, lat, statuses = load(args.port, create, args.requests)
                figures.append((rps, p99(lat), statistics.median(lat), statuses))
            print(
                f"single capture c=8       median {statistics.median(f[0] for f in figures):8.1f}"
                f" req/s  p99 {statistics.median(f[1] for f in figures):6.1f} ms  "
                f"p50 {statistics.median(f[2] for f in figures):5.1f} ms  "
                f"rounds {[(round(f[0]), round(f[1], 1), f[3]) for f in figures]}  "
                f"load {os.getloadavg()}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        broker = settings.CELERY_BROKER_URL
        if broker.startswith("redis://"):
            import redis

            redis.Redis.from_url(broker).delete("celery")


if __name__ == "__main__":
    main()
