"""PostgreSQL restarted under a running web process: the next requests succeed (stale
connections are replaced, CONN_HEALTH_CHECKS), and /readyz names the database while it is
down. Runs on a private cluster of its own, dropped at the end."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crm.stack import ROOT, compose_command, free_port, get, production_env, start_web, stop

pytestmark = pytest.mark.postgres
PG_LIB = Path("/usr/lib/postgresql")


def _run(*command: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def private_cluster() -> Iterator[tuple[str, str, int]]:
    """(version, name, port) of a fresh PostgreSQL cluster (it listens on localhost only)."""
    if not shutil.which("pg_createcluster") or not PG_LIB.is_dir():
        pytest.fail("needs Debian's postgresql-common (pg_createcluster)")
    version = max((p.name for p in PG_LIB.iterdir() if p.name.isdigit()), key=int)
    name, port = f"hstackpg{os.getpid()}", free_port()
    try:
        _run(
            "pg_createcluster", version, name, "-p", str(port),
            "--start",
            "--", "--auth-host=trust", "--auth-local=trust",
        )  # fmt: skip
        yield version, name, port
    finally:
        subprocess.run(
            ["pg_dropcluster", version, name, "--stop"], capture_output=True, timeout=180
        )


def test_requests_succeed_right_after_postgresql_restarts(private_cluster, tmp_path):
    version, name, port = private_cluster
    url = f"postgres://postgres@127.0.0.1:{port}/crm"
    _run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "crm")
    env = production_env(DATABASE_URL=url, WEB_CONCURRENCY="2")
    manage = [sys.executable, str(ROOT / "manage.py")]
    _run(*compose_command("migrate"), env=env)  # the compose migrate service's command
    _run(
        *manage, "createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.com",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": "a-long-ops-password-1"},
    )  # fmt: skip
    key = _run(*manage, "create_api_token", "ops", env=env).strip()
    auth = {"Authorization": f"Token {key}"}

    # Given gunicorn (two workers) holding open connections to the cluster
    proc, base = start_web(env, tmp_path / "web.log")
    try:
        for _ in range(6):
            status, body = get(f"{base}/api/v1/leads/", auth)
            assert status == 200, body[:300]

        # When PostgreSQL restarts under it
        began = time.monotonic()
        _run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart")
        restart_seconds = time.monotonic() - began

        # Then the next requests succeed: within a short bounded window (none expected),
        # then every one of the following
        deadline, failures = time.monotonic() + 10, 0
        while (status := get(f"{base}/api/v1/leads/", auth)[0]) != 200:
            failures += 1
            assert time.monotonic() < deadline, f"still {status} 10 s after the restart"
            time.sleep(0.2)
        statuses = [get(f"{base}/api/v1/leads/", auth)[0] for _ in range(10)]
        assert statuses == [200] * 10
        assert failures == 0, f"{failures} failed requests after a {restart_seconds:.1f} s restart"
        print(f"restart took {restart_seconds:.1f} s; {failures} failed requests after it")

        # And while it is stopped, the process is alive but not ready, naming the database
        _run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop")
        alive, _ = get(f"{base}/healthz")
        ready, body = get(f"{base}/readyz")
        assert (alive, ready) == (200, 503)
        assert b'"failing": ["database"' in body
        assert str(port).encode() not in body
        _run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start")
        assert get(f"{base}/api/v1/leads/", auth)[0] == 200
    finally:
        stop(proc)
