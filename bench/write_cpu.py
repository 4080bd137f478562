"""CPU cost of the write path in one process (no HTTP server): what a web worker spends.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1m \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/write_cpu.py --rounds 5 [--root /path/to/other/checkout]

On a shared machine wall-clock rates follow the load of others; the CPU time this process
spends (time.process_time) per bulk call and per single capture follows the code. It
drives the full Django stack (middleware, token auth, throttles, the view, the service,
the signal listeners, the queueing) with django.test.Client against a database built by
bench/generate.py, and prints medians of `--rounds` rounds: wall ms and CPU ms per bulk
call of 1,000 rows and per single capture, and the queries each makes. `--root` imports
another checkout's code (to measure a baseline with the same script).
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--singles", type=int, default=200)
parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
args = parser.parse_args()
sys.path.insert(0, str(args.root))
os.chdir(args.root)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from leads.models import Campaign, Lead  # noqa: E402


class Count:
    """Counts the statements a block sends (the test client resets connection.queries)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> "Count":
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)


def main() -> None:
    out = io.StringIO()
    call_command("create_api_token", "bench-manager", name="cpu", stdout=out, stderr=io.StringIO())
    client = Client(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}", HTTP_HOST="127.0.0.1")
    campaigns = list(Campaign.objects.values_list("pk", flat=True)[:50])
    stamp = time.time_ns()
    print(f"{args.root}: {Lead.objects.count()} leads; load {os.getloadavg()}")

    def bulk(r: int) -> tuple[float, float, int]:
        body = json.dumps(
            {
                "leads": [
                    {
                        "email": f"c{stamp}-{r}-{i}@example.com",
                        "first_name": "Ana",
                        "last_name": f"Cpu{i}",
                        "company": "Bench Corp",
                        "country": "ES",
                        "campaign": campaigns[i % len(campaigns)],
                    }
                    for i in range(1000)
                ]
            }
        )
        wall, cpu = time.perf_counter(), time.process_time()
        with Count() as queries:
            response = client.post("/api/v1/leads/bulk/", body, content_type="application/json")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 200 and response.json()["created"] == 1000
        return wall * 1000, cpu * 1000, queries.n

    def singles(r: int) -> tuple[float, float, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(args.singles):
            body = json.dumps(
                {
                    "email": f"s{stamp}-{r}-{n}@example.com",
                    "company": "Bench",
                    "campaign": campaigns[n % len(campaigns)],
                }
            )
            if n == 0:
                with Count() as queries:
                    response = client.post("/api/v1/leads/", body, content_type="application/json")
            else:
                response = client.post("/api/v1/leads/", body, content_type="application/json")
            assert response.status_code == 201, response.content
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall * 1000 / args.singles, cpu * 1000 / args.singles, queries.n

    bulk(-1)
    singles(-1)
    b = [bulk(r) for r in range(args.rounds)]
    s = [singles(r) for r in range(args.rounds)]
    med = statistics.median
    print(
        f"bulk 1,000 rows: wall {med(x[0] for x in b):7.1f} ms  cpu {med(x[1] for x in b):7.1f} ms"
        f"  queries {b[0][2]}  -> {1000 / med(x[1] for x in b) * 1000:8.0f} leads per CPU-second"
    )
    print(
        f"single capture:  wall {med(x[0] for x in s):7.2f} ms  cpu {med(x[1] for x in s):7.2f} ms"
        f"  queries {s[0][2]}  -> {1000 / med(x[1] for x in s):6.0f} captures per CPU-second"
    )
    print(f"load {os.getloadavg()}")
    import redis
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("redis://"):
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery")


main()
