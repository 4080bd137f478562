"""The one guarded way to queue a Celery task from app code: a broker that is down never
fails the request that queued the work.

Work that must happen is written as rows in the caller's transaction (pending emails,
queued imports, webhook deliveries, dirty rollup cells) and swept by beat, so a message
that could not be sent only delays it. This module lives in the lowest app so every app
can use it; it knows nothing about what the tasks do.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import kombu.exceptions
import redis
import redis.exceptions
from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)

# What a publish raises when the broker is down, unreachable or slow. ConnectionError and
# TimeoutError are OSError subclasses; kombu wraps most of them in its OperationalError.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.RedisError,
    OSError,
)


# After a refused publish, this process does not try the broker again for this long: a
# bulk capture that queues a thousand deliveries during an outage waits for one timeout,
# not a thousand. What was not queued is in rows the sweeps send later.
COOLDOWN_SECONDS = 5.0
_broker_down_until = 0.0


def send(
    task: Task,
    *,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    **options: Any,
) -> str | None:
    """`task.apply_async(args, kwargs, **options)`; returns the task id, or None (and logs a
    warning) when the broker refused the message or refused one in the last seconds."""
    global _broker_down_until
    if task.app.conf.task_always_eager:  # run in process: its errors are the task's own
        return task.apply_async(args, kwargs, **options).id
    if time.monotonic() < _broker_down_until:
        logger.debug("broker down a moment ago: %s not queued; a beat sweep will", task.name)
        return None
    try:
        result = task.apply_async(args, kwargs, **options)
    except BROKER_ERRORS as exc:
        _broker_down_until = time.monotonic() + COOLDOWN_SECONDS
        logger.warning(
            "could not queue %s (%s: %s); a beat sweep will pick the work up",
            task.name,
            type(exc).__name__,
            exc,
        )
        return None
    return result.id


def broker_back() -> None:
    """Forget a recent failure: the next send tries the broker at once."""
    global _broker_down_until
    _broker_down_until = 0.0


def enqueue(task: Task, *args: Any, **kwargs: Any) -> str | None:
    """`task.delay(*args, **kwargs)` that never raises a broker error (see `send`)."""
    return send(task, args=args, kwargs=kwargs)


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue the task once the current transaction commits (at once outside one).

    Robust: when tasks run in process (no broker configured), a task that fails is logged
    and the committed request still answers; its rows stay for the sweep.
    """

    def queue_after_commit() -> None:
        enqueue(task, *args, **kwargs)

    transaction.on_commit(queue_after_commit, robust=True)


def enqueue_each_on_commit(task: Task, calls: list[tuple[Any, ...]]) -> None:
    """`enqueue_on_commit(task, *args)` for each args tuple, in ONE on-commit hook (a batch
    of deliveries registers one callback, not one per row; each send is still guarded)."""
    if not calls:
        return

    def queue_all_after_commit() -> None:
        for args in calls:
            try:
                enqueue(task, *args)
            except Exception:  # in process: one failing task does not stop the others
                logger.exception("%s%r failed; its row stays for the sweep", task.name, args)

    transaction.on_commit(queue_all_after_commit, robust=True)


# --- coalescing: one waiting message of a task, however many writes asked for it ----------

# How long a "queued, not started yet" flag lives at most (a message lost with its worker
# delays the work this long at worst; the beat sweep is the net behind it).
COALESCE_SECONDS = 10
_redis_clients: dict[str, redis.Redis] = {}


def _flag_client(task: Task) -> redis.Redis | None:
    conf = task.app.conf
    url = str(conf.broker_write_url or conf.broker_url or "")
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _redis_clients[url] = client
    return client


def _flag(task: Task) -> str:
    return f"queueing:coalesce:{task.name}"


def enqueue_coalesced(task: Task) -> str | None:
    """Queue `task` (it takes no arguments and works on whatever rows are waiting, e.g. the
    dirty-cell refresh) unless a message of it is already queued and not started: a flag
    set with SET NX in the broker's Redis (about 0.1 ms) instead of a publish per request
    (about 1-5 ms). The task calls `coalesced_started(task)` first thing, so a write after
    that queues a new message. Returns the task id, "coalesced", or None (broker down).
    Brokers other than Redis, and tasks run in process: `enqueue(task)`."""
    global _broker_down_until
    client = _flag_client(task)
    if client is None:
        return enqueue(task)
    if time.monotonic() < _broker_down_until:
        return None
    try:
        fresh = client.set(_flag(task), "1", nx=True, ex=COALESCE_SECONDS)
    except BROKER_ERRORS as exc:
        _broker_down_until = time.monotonic() + COOLDOWN_SECONDS
        logger.warning(
            "could not queue %s (%s: %s); a beat sweep will", task.name, type(exc).__name__, exc
        )
        return None
    if not fresh:
        return "coalesced"
    task_id = enqueue(task)
    if task_id is None:
        coalesced_started(task)  # nothing waits: the next write tries again
    return task_id


def coalesced_started(task: Task) -> None:
    """Called by a coalesced task when it starts: later writes queue a new message."""
    client = _flag_client(task)
    if client is None:
        return
    try:
        client.delete(_flag(task))
    except BROKER_ERRORS as exc:  # the flag expires by itself
        logger.warning("could not clear the queued flag of %s: %r", task.name, exc)


def enqueue_group(task: Task, calls: list[tuple[Any, ...]]) -> str | None:
    """Queue `task` once per argument tuple as one Celery group (any free worker takes the
    next); returns the group id, or None (logged) when the broker refused it. Run in
    process when tasks are eager."""
    from celery import group

    global _broker_down_until
    signatures = group(task.si(*args) for args in calls)
    if task.app.conf.task_always_eager:
        return signatures.apply_async().id
    try:
        result = signatures.apply_async()
    except BROKER_ERRORS as exc:
        _broker_down_until = time.monotonic() + COOLDOWN_SECONDS
        logger.warning(
            "could not queue %s x%d (%s: %s)", task.name, len(calls), type(exc).__name__, exc
        )
        return None
    return result.id
