"""Webhooks: signed bodies received by a real HTTP server, retries with backoff, the outbox."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from integrations.webhooks import signing, subscriptions

pytestmark = pytest.mark.django_db


class Receiver:
    """An http.server on 127.0.0.1 that answers with the given status codes in turn."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _subscribe(client, url, events, secret="s" * 32):
    r = client.post(
        "/api/v1/webhooks/", {"url": url, "events": events, "secret": secret}, format="json"
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_lead_created_is_posted_signed_to_a_real_receiver(
    marketer_api, receiver_factory, django_capture_on_commit_callbacks
):
    # given a subscription to lead.created on a live receiver
    receiver = receiver_factory([200])
    _subscribe(marketer_api, receiver.url, ["lead.created"], secret="topsecret-0123456789")
    # when a lead is captured (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        r = marketer_api.post("/api/v1/leads/", {"email": "hook@example.com"}, format="json")
    # then the receiver got one POST whose signature verifies with the secret
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(b"topsecret-0123456789", body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected
    payload = json.loads(body)
    assert set(payload) == {"event", "occurred_at", "data"}
    assert payload["event"] == "lead.created"
    assert payload["data"]["lead"]["id"] == r.json()["id"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.attempts == 1
    assert WebhookAttempt.objects.get().status_code == 200


def test_events_map_to_webhook_names(
    marketer_api, rep_api, rep, receiver_factory, django_capture_on_commit_callbacks
):
    receiver = receiver_factory([200])
    _subscribe(marketer_api, receiver.url, ["lead.qualified", "lead.handed_off", "lead.accepted"])
    lead = marketer_api.post("/api/v1/leads/", {"email": "m@example.com"}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        marketer_api.post(f"/api/v1/leads/{lead['id']}/qualify/", {}, format="json")
        marketer_api.post(
            f"/api/v1/leads/{lead['id']}/handoff/", {"assignee": rep.pk}, format="json"
        )
        rep_api.post(f"/api/v1/leads/{lead['id']}/accept/", {}, format="json")
    events = [json.loads(body)["event"] for _, body in receiver.received]
    assert events == ["lead.qualified", "lead.handed_off", "lead.accepted"]


def test_failing_receiver_is_retried_with_backoff_and_succeeds(
    marketer_api, receiver_factory, django_capture_on_commit_callbacks, settings
):
    # given a receiver that fails once, then accepts
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    receiver = receiver_factory([500, 200])
    _subscribe(marketer_api, receiver.url, ["lead.created"])
    with django_capture_on_commit_callbacks(execute=True):
        marketer_api.post("/api/v1/leads/", {"email": "retry@example.com"}, format="json")
    # then the first attempt is logged and the next one is due a backoff later
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert 55 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 61
    # when the backoff has passed and the beat sweep runs
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert tasks.webhooks_retry_due() == 1
    # then the second attempt succeeded with the same signed body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [500, 200]
    assert receiver.received[0][1] == receiver.received[1][1]


def test_delivery_gives_up_after_the_retry_limit(
    marketer_api, receiver_factory, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver = receiver_factory([503])
    _subscribe(marketer_api, receiver.url, ["lead.created"])
    with django_capture_on_commit_callbacks(execute=True):
        marketer_api.post("/api/v1/leads/", {"email": "never@example.com"}, format="json")
    for _ in range(5):
        tasks.webhooks_retry_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert WebhookAttempt.objects.filter(status_code=503).count() == 3


def test_unreachable_receiver_logs_the_error(
    marketer_api, receiver_factory, django_capture_on_commit_callbacks
):
    receiver = receiver_factory([200])
    url = receiver.url
    receiver.close()
    _subscribe(marketer_api, url, ["lead.created"])
    with django_capture_on_commit_callbacks(execute=True):
        marketer_api.post("/api/v1/leads/", {"email": "down@example.com"}, format="json")
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error and not attempt.succeeded


def test_delivery_rows_commit_with_the_move_and_the_sweep_sends_unqueued_ones(
    marketer, receiver_factory
):
    # given a subscription, and a move whose transaction rolls back
    from django.db import transaction

    from handoff import services

    receiver = receiver_factory([200])
    subscriptions.subscription_create(actor=marketer, url=receiver.url, events=["lead.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.lead_capture(actor=marketer, email="rolled@example.com")
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()
    # when a move commits but nothing is queued (as when Redis is down)
    services.lead_capture(actor=marketer, email="kept@example.com")
    assert WebhookDelivery.objects.filter(status="pending").count() == 1
    assert receiver.received == []
    # then the beat sweep sends it
    assert tasks.webhooks_retry_due() == 1
    assert len(receiver.received) == 1


def test_private_urls_are_refused_unless_allowed(marketer_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    for url in (
        "http://127.0.0.1:8000/x",
        "http://10.0.0.5/x",
        "http://169.254.169.254/x",
        "http://localhost/x",
    ):
        r = marketer_api.post(
            "/api/v1/webhooks/", {"url": url, "events": ["lead.created"]}, format="json"
        )
        assert r.status_code == 400 and "url" in r.json(), url
    assert not WebhookSubscription.objects.exists()


def test_subscription_create_shows_the_generated_secret_once(marketer_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    r = marketer_api.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/x", "events": ["sla.breached"]},
        format="json",
    )
    assert r.status_code == 201 and len(r.json()["secret"]) >= 32
    listed = marketer_api.get("/api/v1/webhooks/").json()["results"][0]
    assert "secret" not in listed
    assert marketer_api.delete(f"/api/v1/webhooks/{r.json()['id']}/").status_code == 204
    assert marketer_api.get("/api/v1/webhooks/").json()["results"] == []


def test_unknown_event_is_refused(marketer_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    r = marketer_api.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/x", "events": ["lead.exploded"]},
        format="json",
    )
    assert r.status_code == 400 and "events" in r.json()


@pytest.fixture
def webhook_worker(request, monkeypatch):
    """A real Celery worker that may post to 127.0.0.1 and retries after one second."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")
    return request.getfixturevalue("celery_worker_process")


def _wait_for(predicate, seconds: float = 30.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_delivers_and_retries_a_failing_receiver(
    webhook_worker, receiver_factory, marketer, settings
):
    # given a receiver that fails once, subscribed to lead.created (committed)
    from handoff import services

    receiver = receiver_factory([500, 204])
    subscription = subscriptions.subscription_create(
        actor=marketer, url=receiver.url, events=["lead.created"], secret="worker-secret-123456"
    )
    # when a lead is captured and the move commits
    services.lead_capture(actor=marketer, email="worker@example.com")
    # then the worker posts it, fails, and retries after the backoff
    assert _wait_for(lambda: len(receiver.received) >= 2), receiver.received
    assert _wait_for(
        lambda: WebhookDelivery.objects.filter(
            subscription=subscription, status="succeeded"
        ).exists()
    )
    headers, body = receiver.received[1]
    assert signing.verify(body, "worker-secret-123456", headers["X-Signature"])
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [500, 204]
