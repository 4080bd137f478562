"""The recompute fanned out over Celery workers: 1 worker process against 2, when the product
offers a fan-out. Found, in this order:

1. a management command other than `recompute_kpis` whose name holds "recompute" and one
   of "fan", "parallel", "group", "month", "chunk" (run as is);
2. an option of `recompute_kpis` among --fan-out, --fanout, --parallel, --celery, --group,
   --by-month, --chunks (run as `recompute_kpis <option>`).

The command is timed from its start until the Celery queue is empty and the worker has no
active task (so a command that only queues the group is measured to its end too). It needs
a Redis broker (CELERY_BROKER_URL) and starts its own worker with --concurrency 1, then 2.
Without a fan-out it answers a note, and bench/run.py prints "n/a".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("fan", "parallel", "group", "month", "chunk")
OPTIONS = ("--fan-out", "--fanout", "--parallel", "--celery", "--group", "--by-month", "--chunks")


def find() -> list[str] | None:
    """The manage.py arguments of the fan-out, or None."""
    commands = get_commands()
    for name in sorted(commands):
        if name != "recompute_kpis" and "recompute" in name and any(w in name for w in WORDS):
            return [name]
    if "recompute_kpis" in commands:
        command = load_command_class(commands["recompute_kpis"], "recompute_kpis")
        parser = command.create_parser("manage.py", "recompute_kpis")
        strings = {s for action in parser._actions for s in action.option_strings}
        for option in OPTIONS:
            if option in strings:
                return ["recompute_kpis", option]
    return None


def _idle(app: Any) -> bool:
    with app.connection_for_read() as conn:
        queued = conn.default_channel.client.llen(app.conf.task_default_queue or "celery")
    active = app.control.inspect(timeout=1.0).active() or {}
    return queued == 0 and not any(active.values())


def _worker(concurrency: int, log: Path) -> subprocess.Popen:
    from crm.celery import app

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
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"bench-fanout-{concurrency}@%h",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "CELERY_TASK_ALWAYS_EAGER"},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return proc
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"the Celery worker did not start (see {log})")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _timed(command: list[str], app: Any) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    while not _idle(app):
        time.sleep(0.2)
    return time.perf_counter() - began


def measure(rounds: int) -> dict[str, Any]:
    command = find()
    if command is None:
        return {"note": "no fan-out of the recompute in the product (no command or option)"}
    if not str(settings.CELERY_BROKER_URL).startswith("redis"):
        return {"note": "needs a Redis broker (CELERY_BROKER_URL)"}
    from crm.celery import app

    app.control.purge()
    figures: dict[str, Any] = {"command": " ".join(command)}
    log = Path(os.environ.get("BENCH_LOGS", "/tmp")) / "bench-fanout-worker.log"
    for concurrency in (1, 2):
        worker = _worker(concurrency, log)
        try:
            times = sorted(_timed(command, app) for _ in range(rounds))
            figures[f"workers_{concurrency}_s"] = times[len(times) // 2]
        finally:
            _stop(worker)
    return figures
