"""Helpers to run the processes docker-compose.yml starts, with its own commands, here."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
GOOD_SECRET = "k3y-" + "x9Qz7-Lm2Vb8-Rt4Wn6-Hy1Pc5-Jd3Fs0-Ga8Ke2-Uo7Ti4-Zq"
# Variables of the test process that must not leak into a production process.
_LEAKY = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"}


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


def compose_command(service: str) -> list[str]:
    """The service's command from docker-compose.yml, its program taken from this venv."""
    program, *args = COMPOSE["services"][service]["command"]
    if program == "python":
        return [str(BIN / "python"), *args]
    return [str(BIN / program), *args]


def session_database_url() -> str:
    """The URL of the database this test session uses (PostgreSQL)."""
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
        f":{db.get('PORT') or 5432}/{db['NAME']}"
    )


def production_env(**overrides: str) -> dict[str, str]:
    """What compose gives the app services, for loopback: DJANGO_ENV=production and its secrets."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env.update(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": GOOD_SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "WEB_CONCURRENCY": "2",
        }
    )
    env.update(overrides)
    return env


def start_web(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn exactly as the web service runs it, on a free loopback port; waits for /healthz."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            compose_command("web"),
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", proc)
    except AssertionError:
        proc.kill()
        raise AssertionError(log.read_text()) from None
    return proc, base


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """(status, body), 4xx and 5xx included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def json_lines(log: Path) -> list[dict]:
    """Every line of a process's output that is a JSON object."""
    records = []
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records
