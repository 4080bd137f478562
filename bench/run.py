"""The benchmark suite of issue 13: every figure at each size, one markdown table.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/8     # a Redis database of its own
    .venv/bin/python bench/run.py --leads 10000,1000000 --rounds 5 --port 8765 --write

Each size gets a database of its own, DATABASE_URL's name with a suffix (`crm_bench_10k`,
`crm_bench_1m`), created when missing and filled once by bench/generate.py (its size and
seed are remembered in a table `bench_meta`; --regenerate builds it again). Runs add the
leads they capture (a few thousand), so regenerate now and then.

For each size a child process (the database in its environment) measures:
- the full KPI recompute (`manage.py recompute_kpis` in a subprocess: wall time and peak
  RSS) against the plain-SQL floor (bench/floor.py: the same aggregates, minimal SQL);
- one real move (a handoff through `handoff.services`) and then the refresh of the dirty
  cells it marked, in this process (the task's own function, as a worker runs it), with
  the statements counted;
- through gunicorn (2 sync workers, production settings, DEBUG off) on --port: the sales
  inbox of the rep with the most pending handoffs, the dashboard over 12 months, lead
  search (no match, an exact email, two words; API and page), bulk capture (1,000 per
  call), single capture at concurrency 8, the KPI summary / breakdown / lead list API;
- the recompute fanned out over 1 and then 2 Celery worker processes, when the product
  offers it (bench/fanout.py finds it; otherwise "n/a").

Every figure is the median of --rounds rounds (after one warm-up). --quick is the CI mode:
one round, short loads. --write puts the table in bench/RESULTS.md with the date, the
machine (cores, RAM, PostgreSQL) and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def database_url(base: str, size: int, suffix: bool) -> str:
    if not suffix:
        return base
    parts = urlsplit(base)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{label(size)}"))


def _admin_connection(url: str) -> Any:
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    conn.autocommit = True
    return conn


def _connect(url: str) -> Any:
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username or "postgres",
        password=parts.password or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )


def ensure_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = _admin_connection(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def prepared(url: str) -> dict[str, Any] | None:
    conn = _connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT value FROM bench_meta WHERE key = 'generated'")
            row = cursor.fetchone()
            return json.loads(row[0]) if row else None
    finally:
        conn.close()


def remember(url: str, meta: dict[str, Any]) -> None:
    conn = _connect(url)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)"
            )
            cursor.execute(
                "INSERT INTO bench_meta VALUES ('generated', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [json.dumps(meta)],
            )
    finally:
        conn.close()


def prepare(url: str, size: int, seed: int, regenerate: bool) -> dict[str, Any]:
    """The database of this size, generated unless it already holds this size and seed (its
    rollups are built by the recompute that measure.py times first)."""
    ensure_database(url)
    meta = None if regenerate else prepared(url)
    if meta and meta.get("leads") == size and meta.get("seed") == seed:
        print(f"[{label(size)}] reusing {urlsplit(url).path.lstrip('/')} ({meta['at']})")
        return meta
    print(f"[{label(size)}] generating {size:,} leads into {urlsplit(url).path.lstrip('/')}")
    began = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "generate.py"),
            "--leads",
            str(size),
            "--seed",
            str(seed),
            "--reset",
            "--no-recompute",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench/generate.py failed for {size} leads")
    meta = {
        "leads": size,
        "seed": seed,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }
    remember(url, meta)
    return meta


def measure(url: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run bench/measure.py for one size in a child process; its figures as a dict."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    command = [
        sys.executable,
        str(BENCH / "measure.py"),
        "--size-label",
        label(size),
        "--rounds",
        str(args.rounds),
        "--port",
        str(args.port),
        "--json",
        str(path),
        "--load-seconds",
        str(args.load_seconds),
    ]
    if args.quick:
        command.append("--quick")
    if args.skip_fanout:
        command.append("--skip-fanout")
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url})
    if result.returncode != 0:
        raise SystemExit(f"bench/measure.py failed for {size} leads")
    figures = json.loads(path.read_text())
    path.unlink()
    return figures


def machine() -> str:
    cores = os.cpu_count()
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cores} cores, {ram:.0f} GB RAM, {platform.system()} {platform.release()}"


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def write_results(table: str, pg: str, sizes: list[int], loads: list[str]) -> Path:
    path = BENCH / "RESULTS.md"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(
        "# Benchmark results (issue 13)\n\n"
        f"Last run: {now}, `bench/run.py --leads {','.join(str(s) for s in sizes)}`.\n"
        f"Machine: {machine()}, {pg}.\n"
        f"Load average (1/5/15 min) before each size: {'; '.join(loads)}.\n"
        f"Code: {_git('rev-parse', '--abbrev-ref', 'HEAD')} {_git('rev-parse', '--short', 'HEAD')}."
        " The machine may be shared with other processes: compare the load average.\n\n"
        f"{table}\n\n"
        "Figures are medians of the rounds; what each one measures and how: bench/README.md.\n"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", default="10000,1000000", help="sizes, comma separated")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load-seconds", type=float, default=5.0, help="single capture load")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="CI: one round, short loads")
    parser.add_argument("--regenerate", action="store_true", help="build the databases again")
    parser.add_argument(
        "--prepare-only", action="store_true", help="generate the databases, measure nothing"
    )
    parser.add_argument("--skip-fanout", action="store_true", help="no Celery 1-vs-2 figure")
    parser.add_argument(
        "--no-suffix",
        action="store_true",
        help="use DATABASE_URL's database itself (one size only)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.load_seconds = 1, min(args.load_seconds, 2.0)
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (sizes get a suffix)")
    sizes = [int(s.replace("_", "")) for s in args.leads.split(",") if s.strip()]
    if args.no_suffix and len(sizes) != 1:
        raise SystemExit("--no-suffix takes one size")
    from bench.table import render

    results: dict[int, dict[str, Any]] = {}
    loads = []
    for size in sizes:
        url = database_url(base, size, not args.no_suffix)
        meta = prepare(url, size, args.seed, args.regenerate)
        if args.prepare_only:
            print(f"[{label(size)}] ready: {meta}")
            continue
        load = " ".join(f"{v:.1f}" for v in os.getloadavg())
        loads.append(f"{label(size)}: {load}")
        print(f"[{label(size)}] measuring (load average {load})", flush=True)
        results[size] = {**measure(url, size, args), "generate": meta}
    if args.prepare_only:
        return 0
    table = render(sizes, results, lambda size: label(size).replace("m", "M"))
    print()
    print(table)
    if args.write:
        pg = results[sizes[-1]].get("postgres", "PostgreSQL")
        print(f"\nwritten to {write_results(table, pg, sizes, loads).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
