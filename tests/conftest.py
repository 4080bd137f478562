"""Shared fixtures: users by role, service availability gates and a real Celery worker."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _redis_reachable() -> bool:
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
    if not url.startswith("redis"):
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return True
    except OSError:
        return False


def _unavailable(reason: str) -> None:
    """Skip for lack of a service, except in CI where every service must be there."""
    if IN_CI:
        pytest.fail(f"CI must provide this service: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_gates(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis") and not _redis_reachable():
        _unavailable("needs Redis: set CELERY_BROKER_URL=redis://...")


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> Iterator[None]:
    """Throttle and failed-authentication counters, and cached page fragments (the
    dashboard's), of one test never leak into the next."""
    from django.core.cache import caches

    from integrations.authentication import cache_back

    cache_back()
    for alias in {settings.API_THROTTLE_CACHE, "default"}:
        caches[alias].clear()
    yield
    cache_back()
    for alias in {settings.API_THROTTLE_CACHE, "default"}:
        caches[alias].clear()


@pytest.fixture
def marketer(db):
    return factories.UserFactory(role="marketing")


@pytest.fixture
def rep(db):
    return factories.UserFactory(role="sales")


@pytest.fixture
def other_rep(db):
    return factories.UserFactory(role="sales")


@pytest.fixture
def manager(db):
    return factories.UserFactory(role="manager")


@pytest.fixture
def celery_worker_process(transactional_db) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process on the Redis broker, using the test database.

    Tests that use it must commit their data (transactional_db) and mark themselves
    `postgres` and `redis`. While it runs, tasks are sent to the broker, not run eagerly.
    """
    from crm.celery import app as celery_app

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
            f":{db.get('PORT') or 5432}/{db['NAME']}"
        ),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
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
            "--pool",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    old = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=0.5, destination=None) or []
            if replies:
                break
            if proc.poll() is not None:
                pytest.fail("the Celery worker exited on start")
        else:
            pytest.fail("the Celery worker did not answer a ping within 30 s")
        yield proc
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
