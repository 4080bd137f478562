"""Issue 10, finding 10: every POST of a delivery carries the same delivery id header, every
attempt is in the log (written before the POST, so one cut by a dead worker shows up as
`interrupted`), and a delivery is never recorded as sent twice."""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections
from django.utils import timezone

from integrations import tasks
from integrations.models import AttemptState, WebhookAttempt, WebhookDelivery
from integrations.webhooks import delivery, subscriptions
from tests.integrations.test_webhooks import Receiver


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


def _pending_delivery(marketer, url: str) -> WebhookDelivery:
    """One committed lead.created delivery to `url`, due and not yet sent (never queued)."""
    subscription = subscriptions.subscription_create(
        actor=marketer, url=url, events=["lead.created"]
    )
    return WebhookDelivery.objects.create(
        subscription=subscription, event="lead.created", body='{"event": "lead.created"}'
    )


@pytest.mark.django_db
def test_every_post_of_a_delivery_carries_its_id_and_attempt_number(
    marketer, receiver_factory, settings
):
    # Given a delivery to a receiver that fails once, then accepts
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    receiver = receiver_factory([503, 200])
    pending = _pending_delivery(marketer, receiver.url)

    # When it is sent, and sent again by the sweep after the failure
    delivery.deliver(pending.pk)
    tasks.webhooks_retry_due()

    # Then both POSTs carry the same delivery id, numbered 1 and 2, with the same body
    headers = [h for h, _body in receiver.received]
    assert [h["X-Webhook-Delivery"] for h in headers] == [str(pending.pk)] * 2
    assert [h["X-Webhook-Attempt"] for h in headers] == ["1", "2"]
    assert receiver.received[0][1] == receiver.received[1][1]
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("succeeded", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_attempt_is_committed_in_flight_before_the_post(marketer, settings):
    # Given a receiver that, while it holds the POST, reads the attempt log from its own
    # database connection (what survives if the worker died right now)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    seen: list[list[tuple[str, bool]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            try:
                seen.append(list(WebhookAttempt.objects.values_list("state", "succeeded")))
            finally:
                connections.close_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pending = _pending_delivery(marketer, f"http://127.0.0.1:{server.server_port}/hook")

        # When the delivery is sent
        delivery.deliver(pending.pk)
    finally:
        server.shutdown()
        server.server_close()

    # Then during the POST the log already held the attempt, in flight; after it, done
    assert seen == [[(AttemptState.IN_FLIGHT, False)]]
    attempt = WebhookAttempt.objects.get()
    assert (attempt.state, attempt.status_code, attempt.succeeded) == ("done", 200, True)


@pytest.mark.django_db
def test_an_attempt_left_in_flight_by_a_dead_worker_is_logged_interrupted_and_redone(
    marketer, receiver_factory, settings
):
    # Given a delivery whose worker died during its POST: the claim and the in-flight
    # attempt are committed, nothing after (the receiver may have got the body)
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver = receiver_factory([200])
    pending = _pending_delivery(marketer, receiver.url)
    died_at = timezone.now() - dt.timedelta(seconds=10)
    WebhookDelivery.objects.filter(pk=pending.pk).update(
        attempts=1, next_attempt_at=died_at + delivery.lease()
    )
    WebhookAttempt.objects.create(delivery=pending, attempted_at=died_at)

    # When the beat sweep runs after the lease ran out (twice, as beat does)
    tasks.webhooks_retry_due()
    tasks.webhooks_retry_due()

    # Then the cut attempt is in the log as interrupted, and one more attempt sent it
    log = list(WebhookAttempt.objects.order_by("id").values_list("state", "succeeded"))
    assert log == [("interrupted", False), ("done", True)]
    assert WebhookAttempt.objects.order_by("id").first().error == delivery.INTERRUPTED_ERROR
    assert [h["X-Webhook-Attempt"] for h, _b in receiver.received] == ["2"]
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("succeeded", 2)


@pytest.mark.django_db
def test_a_delivery_is_never_recorded_as_sent_twice(marketer, receiver_factory):
    # Given a delivery that was sent
    receiver = receiver_factory([200])
    pending = _pending_delivery(marketer, receiver.url)
    assert delivery.deliver(pending.pk) == "succeeded"
    pending.refresh_from_db()
    first = pending.delivered_at

    # When a repeated message (or a late sweep) asks for it again, even once it is due
    WebhookDelivery.objects.filter(pk=pending.pk).update(next_attempt_at=timezone.now())
    again = delivery.deliver(pending.pk)

    # Then nothing is sent or recorded again
    assert again == "skipped"
    assert len(receiver.received) == 1
    pending.refresh_from_db()
    assert (pending.status, pending.attempts, pending.delivered_at) == ("succeeded", 1, first)
    assert WebhookAttempt.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_attempt_finishing_after_another_one_does_not_record_the_delivery_again(
    marketer, settings
):
    # Given a delivery whose POST outlives its lease: another attempt sends it meanwhile
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    finished_at: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            if not finished_at:  # the other attempt records the delivery as sent
                finished_at.append(timezone.now())
                try:
                    WebhookDelivery.objects.update(status="succeeded", delivered_at=finished_at[0])
                finally:
                    connections.close_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_port}/hook"
    pending = _pending_delivery(marketer, url)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        # When the slow attempt finishes
        status = delivery.deliver(pending.pk)
    finally:
        thread.join(10)
        server.server_close()

    # Then the delivery keeps the other attempt's record; this attempt is only logged
    pending.refresh_from_db()
    assert status == "succeeded"
    assert pending.delivered_at == finished_at[0]
    assert WebhookAttempt.objects.get().state == "done"
