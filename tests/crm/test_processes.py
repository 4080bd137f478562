"""What docker-compose starts (gunicorn, worker, beat), run here as plain processes."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 30) -> urllib.request.Request:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}")
        try:
            return urllib.request.urlopen(url, timeout=2)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_gunicorn_serves_the_app_and_its_health_check(sqlite_env):
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "crm.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=sqlite_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        assert health.status == 200
        assert json.load(health) == {"status": "ok", "database": "ok"}
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
        assert login.status == 200
        assert b'name="password"' in login.read()
    finally:
        stop(proc)


@pytest.mark.redis
def test_celery_worker_answers_a_ping_and_beat_starts(sqlite_env):
    from crm.celery import app

    env = {**sqlite_env, "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "")}
    name = f"compose-check-{os.getpid()}@localhost"
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "crm",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            "1",
            "-n",
            name,
            "-Q",
            f"compose-check-{os.getpid()}",
        ],
        cwd=ROOT,
        env=env,
    )
    beat = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "crm",
            "beat",
            "-l",
            "info",
            "--schedule",
            str(Path(sqlite_env["DATABASE_URL"][len("sqlite:///") :]).parent / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        replies: list = []
        while time.monotonic() < deadline and not replies:
            assert worker.poll() is None, "the worker exited"
            replies = app.control.ping(destination=[name], timeout=1) or []
        assert replies and name in replies[0]
        time.sleep(3)
        assert beat.poll() is None, "beat exited"
    finally:
        stop(worker)
        stop(beat)
    output = beat.stdout.read() if beat.stdout else ""
    assert "beat: Starting" in output
