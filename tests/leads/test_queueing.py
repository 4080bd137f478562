"""leads.queueing: the one guarded way app code queues a task. A refused publish is logged
and answered with None, never raised; after one, the process waits a moment before it tries
the broker again; every app module queues through it."""

import ast
import logging
import time
from pathlib import Path

import pytest
from celery import shared_task

from leads import queueing
from tests import faults

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "leads", "notifications", "handoff", "imports", "integrations", "metrics")


@shared_task(name="tests.queueing.noop")
def noop(value: int) -> int:
    return value


def test_no_app_module_queues_a_task_but_through_leads_queueing():
    # Given every module of the apps (migrations aside)
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "leads" / "queueing.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                # Then none calls .delay(...) or .apply_async(...) itself
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"delay", "apply_async"}
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_a_refused_publish_is_logged_and_answered_with_none(caplog, monkeypatch):
    # Given a broker that refuses connections
    queueing.broker_back()
    with faults.app_broker(faults.dead_broker_url(), "queueing-test"):
        # When a task is queued, then queued again at once
        with caplog.at_level(logging.WARNING, logger="leads.queueing"):
            first = queueing.enqueue(noop, 1)
        started = time.monotonic()
        second = queueing.enqueue(noop, 2)
        waited = time.monotonic() - started

    # Then neither raised: the first was tried and logged, the second not even tried
    assert (first, second) == (None, None)
    assert "could not queue tests.queueing.noop" in caplog.text
    assert "OperationalError" in caplog.text
    assert waited < 0.05


def test_the_broker_is_tried_again_after_the_cooldown(monkeypatch):
    # Given a refused publish a moment ago, and a cooldown that has since run out
    monkeypatch.setattr(queueing, "COOLDOWN_SECONDS", 0.0)
    with faults.app_broker(faults.dead_broker_url(), "queueing-test"):
        assert queueing.enqueue(noop, 1) is None
    # When tasks run in process again (as in tests and without a broker)
    result = queueing.enqueue(noop, 3)
    # Then the task is queued (here: run) and its id returned
    assert result is not None


@pytest.mark.django_db
def test_enqueue_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks):
    # Given a transaction that queues a task
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queueing.enqueue_on_commit(noop, 4)
    # Then exactly one callback waits for the commit, and it is robust
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_task_failing_in_process_after_commit_does_not_fail_the_request(
    django_capture_on_commit_callbacks, caplog
):
    # Given tasks that run in process and one that fails
    @shared_task(name="tests.queueing.boom")
    def boom() -> None:
        raise RuntimeError("boom")

    # When it is queued on commit and the commit runs the callbacks
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        queueing.enqueue_on_commit(boom)

    # Then the error is logged, not raised
    assert "boom" in caplog.text


@shared_task(name="tests.queueing.coalesced")
def coalesced() -> int:
    queueing.coalesced_started(coalesced)
    return 1


@pytest.mark.redis
def test_a_coalesced_task_waits_in_the_queue_once_until_it_starts():
    import os

    import redis

    # Given a real Redis broker and an empty queue of our own
    url = os.environ["CELERY_BROKER_URL"]
    queue = f"coalesce-test-{time.monotonic_ns()}"
    client = redis.Redis.from_url(url)
    with faults.app_broker(url, queue):
        queueing.coalesced_started(coalesced)
        # When many writes ask for the task before a worker starts it
        answers = [queueing.enqueue_coalesced(coalesced) for _ in range(5)]
        # Then one message waits, the others were coalesced into it
        assert answers[1:] == ["coalesced"] * 4 and answers[0] not in (None, "coalesced")
        assert client.llen(queue) == 1
        # And once the task started, the next write queues a new message
        coalesced.run()
        assert queueing.enqueue_coalesced(coalesced) not in (None, "coalesced")
        assert client.llen(queue) == 2
        queueing.coalesced_started(coalesced)
    client.delete(queue)


def test_a_coalesced_task_runs_in_process_without_a_broker():
    assert queueing.enqueue_coalesced(coalesced) is not None
