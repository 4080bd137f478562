"""`make demo`'s serving step runs the schedule: a real Celery worker with beat on the
filesystem broker records an SLA breach with nothing else started (no Redis, no broker)."""

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.crm.stack import ROOT, free_port, get, stop, wait_for

OVERDUE = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from handoff import services
User = get_user_model()
manager = User.objects.get(username="manager")
rep = User.objects.get(username="rep1")
start = timezone.now() - dt.timedelta(days=3)
lead = services.lead_capture(actor=manager, email="late@example.com", first_name="Late",
    company="Overdue Inc", score=10, created_at=start)
services.lead_qualify(lead_id=lead.pk, actor=manager, at=start + dt.timedelta(minutes=1))
services.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=rep.pk,
    at=start + dt.timedelta(minutes=2))
print("HANDOFF", lead.handoffs.get().pk)
"""


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _breached_at(database: Path, handoff_id: int) -> str | None:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute(
            "SELECT breached_at FROM handoff_handoff WHERE id = ?", (handoff_id,)
        ).fetchone()
    return row[0]


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found


def test_demo_serve_schedule_records_an_sla_breach_within_two_minutes(sqlite_env, tmp_path):
    # Given the demo data and a handoff already past its SLA due time, with no broker set
    env = {**sqlite_env, "CELERY_FILESYSTEM_FOLDER": str(tmp_path / "celery")}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    _run(env, "seed_demo", "--leads", "30")
    handoff_id = int(re.search(r"HANDOFF (\d+)", _run(env, "shell", "-c", OVERDUE)).group(1))
    assert _breached_at(database, handoff_id) is None

    # When the demo is served the way `make demo` serves it, on a port of its own
    port = free_port()
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "manage.py", "demo_serve", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", demo, seconds=60)
        serving = time.monotonic()
        # (the filesystem broker counts as a broker for the readiness probe)
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        # Then within two minutes the schedule (beat -> worker) records the breach
        breached = None
        while breached is None and time.monotonic() - serving < 120:
            assert demo.poll() is None, log.read_text()
            time.sleep(2)
            breached = _breached_at(database, handoff_id)
        waited = time.monotonic() - serving
        assert breached is not None, f"no breach after {waited:.0f} s\n{log.read_text()}"
    finally:
        stop(demo)
    output = log.read_text()
    # And the server and the worker stopped with it, with no SQLite lock error on the way
    assert demo.returncode is not None
    assert not _processes_mentioning(str(tmp_path / "celery"))
    assert "database is locked" not in output
    # And the output named the real address, the logins and their password
    assert f"http://127.0.0.1:{port}/" in output
    assert "password `demo12345`" in output and "rep1" in output
    assert "handoff-sla-sweep" in output and "every 1 min" in output
    print(f"breach recorded {waited:.0f} s after serving")
