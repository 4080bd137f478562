"""Fault-test helpers: a private redis-server on a free loopback port, pointing this process's
Celery app at a broker, and a real worker on a private queue that a test may SIGKILL.

Nothing here touches the shared Redis on 6379: each test starts and stops its own."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import kombu.exceptions
import pytest
import redis.exceptions
from django.conf import settings

from leads import queueing

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], seconds: float = 30.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class PrivateRedis:
    """A redis-server of this test only: loopback, no persistence, stopped by kill()."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed", pytrace=False)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, 10), "the private redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@contextlib.contextmanager
def app_broker(url: str, queue: str) -> Iterator[None]:
    """Send this process's tasks to `url` on `queue` (not eagerly) for the block."""
    from crm.celery import app

    conf = app.conf
    # CELERY_BROKER_URL in the environment wins over conf.broker_url; the read and write
    # URLs win over both, so those are what this sets.
    keys = ("broker_read_url", "broker_write_url", "task_always_eager", "task_default_queue")
    old = {key: conf.get(key) for key in keys}
    conf.update(broker_read_url=url, broker_write_url=url, task_always_eager=False)
    conf.task_default_queue = queue
    app._after_fork()  # drop pooled connections to the old broker
    assert app.connection_for_write().as_uri().endswith(url.rsplit(":", 1)[1])
    try:
        yield
    finally:
        conf.update(old)
        app._after_fork()
        queueing.broker_back()


def dead_broker_url() -> str:
    """A Redis URL on a loopback port where nothing listens (connection refused)."""
    return f"redis://127.0.0.1:{free_port()}/0"


def worker_env(broker_url: str, **extra: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
            f":{db.get('PORT') or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra,
    }


class Worker:
    """A real `celery worker` (solo pool) on a private queue of a given broker."""

    def __init__(self, broker_url: str, queue: str, env: dict[str, str]) -> None:
        self.name = f"{queue}-{time.monotonic_ns()}@localhost"
        self.proc = subprocess.Popen(
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
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
        )

    def wait_ready(self, seconds: float = 30.0) -> None:
        from crm.celery import app

        def answers() -> bool:
            assert self.proc.poll() is None, "the Celery worker exited"
            try:
                return bool(app.control.ping(destination=[self.name], timeout=0.5))
            except (OSError, kombu.exceptions.OperationalError, redis.exceptions.RedisError):
                # a pooled connection to a Redis that was killed and started again: the
                # next ping opens a new one
                app._after_fork()  # drop the pooled connections (as faults.app_broker does)
                return False

        assert wait_until(answers, seconds, 0), "the worker did not answer a ping"

    def sigkill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
