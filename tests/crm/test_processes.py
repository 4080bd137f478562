"""What docker-compose starts (gunicorn, worker, beat), run here as plain processes."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.crm.stack import (
    ROOT,
    compose_command,
    free_port,
    get,
    json_lines,
    production_env,
    start_web,
    stop,
)


def test_gunicorn_serves_the_app_and_its_health_check(sqlite_env, tmp_path):
    # Given gunicorn with the web service's command on the development profile
    log = tmp_path / "web.log"
    proc, base = start_web({**sqlite_env, "WEB_CONCURRENCY": "2"}, log)
    try:
        # When a client checks it and opens the login page
        health, body = get(f"{base}/healthz")
        ready, readiness = get(f"{base}/readyz")
        login, page = get(f"{base}/accounts/login/")
    finally:
        stop(proc)
    # Then both answer, and the request log stays readable text outside production
    assert (health, json.loads(body)) == (200, {"status": "ok"})
    # (the embedded default: SQLite and tasks in process, whose in-memory broker is ready)
    assert (ready, json.loads(readiness)["status"]) == (200, "ok")
    assert login == 200
    assert b'name="password"' in page
    lines = [ln for ln in log.read_text().splitlines() if "crm.request" in ln]
    assert any("GET /accounts/login/ 200 " in ln for ln in lines), log.read_text()
    assert not any(ln.lstrip().startswith("{") for ln in lines)


@pytest.mark.redis
def test_celery_worker_answers_a_ping_and_beat_starts(sqlite_env):
    # Given the worker and beat started with docker-compose.yml's commands (the worker on a
    # queue and name of its own so it takes no other test's tasks)
    from crm.celery import app

    env = {**sqlite_env, "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "")}
    name = f"compose-check-{os.getpid()}@localhost"
    schedule = Path(sqlite_env["DATABASE_URL"][len("sqlite:///") :]).parent / "beat-schedule"
    beat_command = compose_command("beat")
    beat_command[beat_command.index("--schedule") + 1] = str(schedule)
    worker = subprocess.Popen(
        [*compose_command("worker"), "-n", name, "-Q", f"compose-check-{os.getpid()}"],
        cwd=ROOT,
        env={**env, "CELERY_WORKER_CONCURRENCY": "1"},
    )
    beat = subprocess.Popen(
        beat_command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # When they have had a few seconds to start
        deadline = time.monotonic() + 30
        replies: list = []
        while time.monotonic() < deadline and not replies:
            assert worker.poll() is None, "the worker exited"
            replies = app.control.ping(destination=[name], timeout=1) or []
        # Then the worker answers a ping and beat runs, logging through the app's format
        assert replies and name in replies[0]
        time.sleep(3)
        assert beat.poll() is None, "beat exited"
    finally:
        stop(worker)
        stop(beat)
    output = beat.stdout.read() if beat.stdout else ""
    assert "beat: Starting" in output
    assert "INFO celery.beat [-] beat: Starting" in output


def test_worker_and_beat_write_only_json_lines_in_production(tmp_path):
    # Given the worker and beat with compose's commands and the production settings, their
    # broker a closed loopback port (nothing is queued or taken anywhere)
    env = production_env(
        DATABASE_URL="postgres://crm@127.0.0.1:5432/crm",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0",
        CELERY_WORKER_CONCURRENCY="1",
    )
    beat_command = compose_command("beat")
    beat_command[beat_command.index("--schedule") + 1] = str(tmp_path / "beat-schedule")
    logs = {"worker": tmp_path / "worker.log", "beat": tmp_path / "beat.log"}
    procs = []
    for name, command in (("worker", compose_command("worker")), ("beat", beat_command)):
        # (stderr keeps a warning Celery prints about running as root, which the image does not)
        with open(logs[name], "wb") as out, open(tmp_path / f"{name}.err", "wb") as err:
            procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err))
    try:
        # When they have run for a few seconds
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(json_lines(p) for p in logs.values()):
            time.sleep(0.5)
    finally:
        for proc in procs:
            stop(proc)

    # Then every line each wrote on stdout is a JSON object, beat's start among them (but
    # the one notice Celery prints itself when it is stopped)
    for name, log in logs.items():
        lines = [
            ln
            for ln in log.read_text().splitlines()
            if ln.strip() and not re.fullmatch(r"worker: \w+ shutdown \(MainProcess\)", ln)
        ]
        assert lines, f"{name} wrote nothing"
        assert len(json_lines(log)) == len(lines), f"{name}: {log.read_text()[:1000]}"
    assert any(r["message"] == "beat: Starting..." for r in json_lines(logs["beat"]))
