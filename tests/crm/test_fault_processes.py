"""Fault tests against real processes on loopback, each bounded in time (issue 10).

(a) A private redis-server is killed while people move, capture and import leads through the
    API and the pages: no request fails and everything is saved; once Redis and a worker
    are back and the beat sweeps run, every email is sent once, the import is done once,
    every webhook is delivered once and the KPI rollups equal a full recompute.
(b) A real worker is SIGKILLed in the middle of a KPI refresh and in the middle of a webhook
    POST: after a new worker and the sweeps, the rollups are identical to a full recompute,
    the interrupted attempt is in the log and the delivery is recorded as sent once.

The shared Redis is never touched: each test starts its own redis-server on a free port.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from handoff.models import Handoff, HandoffOutcome
from imports.models import LeadImport, LeadImportStatus
from imports.tasks import imports_requeue_stuck
from integrations.models import WebhookDelivery
from integrations.tasks import webhooks_retry_due
from integrations.webhooks import subscriptions
from leads import queueing
from leads.models import Lead, LeadStatus
from metrics import refresh
from metrics.models import DirtyCell, OwnerDay
from metrics.tasks import refresh_dirty_cells
from notifications.models import EmailState, Notification
from notifications.tasks import notifications_email_sweep
from tests import faults
from tests.api.conftest import client_for
from tests.factories import lead_in_state
from tests.integrations.test_webhooks import Receiver
from tests.metrics.test_refresh_property import snapshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The default queue: tasks the worker queues itself (an import's webhooks) go there too. The
# broker is private to each test, so the name collides with nothing.
QUEUE = "celery"


@pytest.fixture
def redis_server():
    server = faults.PrivateRedis()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def workers(tmp_path):
    """Start real workers on a broker; every one started is stopped at the end."""
    started: list[faults.Worker] = []

    def start(broker_url: str, **env: str) -> faults.Worker:
        worker = faults.Worker(
            broker_url,
            QUEUE,
            faults.worker_env(
                broker_url,
                MEDIA_ROOT=str(tmp_path),
                WEBHOOK_ALLOW_PRIVATE_URLS="true",
                WEBHOOK_RETRY_BASE_SECONDS="1",
                **env,
            ),
        )
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def in_process(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.IMPORT_REQUEUE_AFTER_SECONDS = 0
    return settings


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_redis_killed_during_moves_captures_and_an_import(
    redis_server, workers, in_process, marketer, rep, other_rep, manager
):
    # Given a webhook receiver subscribed to new and handed-off leads
    receiver = Receiver([200])
    try:
        subscriptions.subscription_create(
            actor=marketer, url=receiver.url, events=["lead.created", "lead.handed_off"]
        )
        # and four leads one move away from telling someone (set up in process)
        to_hand_off = lead_in_state("mql", marketer=marketer)
        to_reassign = lead_in_state("handed_off", marketer=marketer, rep=rep)
        to_reject_api = lead_in_state("handed_off", marketer=marketer, rep=rep)
        to_reject_page = lead_in_state("handed_off", marketer=marketer, rep=rep)
        before_notices = set(Notification.objects.values_list("pk", flat=True))
        before_deliveries = set(WebhookDelivery.objects.values_list("pk", flat=True))
        mail.outbox.clear()

        with faults.app_broker(redis_server.url, QUEUE):
            worker = workers(redis_server.url)
            # When Redis dies (the worker loses it too)
            redis_server.kill()
            marketing = _logged_in(marketer)
            answers = {
                "handoff (API)": _timed(
                    lambda: client_for(marketer).post(
                        f"/api/v1/leads/{to_hand_off.pk}/handoff/",
                        {"assignee": rep.pk},
                        format="json",
                    )
                ),
                "reassign (page)": _timed(
                    lambda: _logged_in(manager).post(
                        reverse("metrics:reassign", args=[to_reassign.pk]),
                        {f"reassign-{to_reassign.pk}-assignee": other_rep.pk},
                        HTTP_HX_REQUEST="true",
                    )
                ),
                "reject (API)": _timed(
                    lambda: client_for(rep).post(
                        f"/api/v1/leads/{to_reject_api.pk}/reject/",
                        {"reason": "no_budget"},
                        format="json",
                    )
                ),
                "reject (page)": _timed(
                    lambda: _logged_in(rep).post(
                        reverse("handoff:inbox_reject", args=[to_reject_page.pk]),
                        {f"reject-{to_reject_page.pk}-reason": "no_budget"},
                        HTTP_HX_REQUEST="true",
                    )
                ),
                "capture (API)": _timed(
                    lambda: client_for(marketer).post(
                        "/api/v1/leads/", {"email": "api-outage@example.com"}, format="json"
                    )
                ),
                "capture (page)": _timed(
                    lambda: marketing.post(
                        reverse("handoff:lead_create"),
                        {"email": "page-outage@example.com", "score": "10"},
                    )
                ),
            }
            upload, upload_s = _timed(
                lambda: marketing.post(
                    reverse("imports:import_start"),
                    {
                        "file": SimpleUploadedFile(
                            "leads.csv", b"email\nimp1@example.com\nimp2@example.com\n"
                        )
                    },
                )
            )
            answers["import (page)"] = _timed(
                lambda: marketing.post(upload["Location"], {"email": "email"})
            )

            # Then every request answered promptly, none with a server error
            codes = {name: response.status_code for name, (response, _s) in answers.items()}
            assert codes == {
                "handoff (API)": 200,
                "reassign (page)": 200,
                "reject (API)": 200,
                "reject (page)": 200,
                "capture (API)": 201,
                "capture (page)": 302,
                "import (page)": 302,
            }
            slowest = max([upload_s, *(s for _r, s in answers.values())])
            assert slowest < 5, f"a request took {slowest:.1f} s with Redis down"
            # and everything is saved, its follow-up work waiting in rows
            assert Lead.objects.get(pk=to_hand_off.pk).status == LeadStatus.HANDED_OFF
            assert Lead.objects.get(pk=to_reassign.pk).owner_id == other_rep.pk
            assert (
                Handoff.objects.filter(
                    lead__in=[to_reject_api, to_reject_page], outcome=HandoffOutcome.REJECTED
                ).count()
                == 2
            )
            assert Lead.objects.filter(email__endswith="-outage@example.com").count() == 2
            lead_import = LeadImport.objects.get()
            assert lead_import.status == LeadImportStatus.QUEUED
            notices = Notification.objects.exclude(pk__in=before_notices)
            assert notices.count() >= 4
            assert set(notices.values_list("email_state", flat=True)) == {EmailState.PENDING}
            new_deliveries = WebhookDelivery.objects.exclude(pk__in=before_deliveries)
            assert set(new_deliveries.values_list("status", flat=True)) == {"pending"}
            assert DirtyCell.objects.exists()

            # When Redis is back with a new worker, and the beat sweeps run (twice)
            worker.stop()
            redis_server.start()
            queueing.broker_back()
            workers(redis_server.url)
            for _ in range(2):
                notifications_email_sweep()
                imports_requeue_stuck()
                webhooks_retry_due()
                queueing.enqueue(refresh_dirty_cells)

            # Then the import is done once
            assert faults.wait_until(
                lambda: LeadImport.objects.get().status == LeadImportStatus.DONE, 60
            ), LeadImport.objects.get().error
            lead_import.refresh_from_db()
            assert (lead_import.created_count, lead_import.duplicate_count) == (2, 0)
            assert Lead.objects.filter(email__startswith="imp").count() == 2
            # every webhook (the outage's and the import's) is delivered, each once
            assert faults.wait_until(
                lambda: not WebhookDelivery.objects.exclude(status="succeeded").exists(), 60
            ), list(
                WebhookDelivery.objects.exclude(status="succeeded").values_list(
                    "id", "event", "status", "attempts", "next_attempt_at", "created_at"
                )
            )
            webhooks_retry_due()
            ids = [h["X-Webhook-Delivery"] for h, _b in receiver.received]
            assert sorted(ids) == sorted(
                str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)
            )
            assert new_deliveries.count() >= 3  # handoff, two captures (+ the imported)
            # every notice written during the outage was emailed exactly once
            assert sorted(m.to[0] for m in mail.outbox) == sorted(
                n.recipient.email for n in notices
            )
            assert set(notices.values_list("email_state", flat=True)) == {EmailState.SENT}
            # and the KPI rollups, refreshed by the worker, equal a full recompute
            queueing.enqueue(refresh_dirty_cells)
            assert faults.wait_until(lambda: not DirtyCell.objects.exists(), 60)
            incremental = snapshot()
            refresh.recompute_all()
            assert snapshot() == incremental
    finally:
        receiver.close()


def _blocked_on_a_lock(dbname: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            [dbname],
        )
        return cursor.fetchone()[0] > 0


def _side_connection() -> psycopg2.extensions.connection:
    db = django_settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )


def test_worker_killed_in_the_middle_of_a_refresh(redis_server, workers, marketer, rep):
    # Given a history whose rollups are current, then marked dirty with their rows gone
    for state in ("new", "mql", "handed_off", "accepted", "rejected"):
        lead_in_state(state, marketer=marketer, rep=rep)
    expected = snapshot()
    days = {refresh.local_day(lead.created_at) for lead in Lead.objects.all()}
    refresh.insert_cells(
        refresh.cells_for(
            days,
            list(Lead.objects.values_list("campaign_id", flat=True)),
            [None, rep.pk, marketer.pk],
        )
    )
    OwnerDay.objects.all().delete()
    dbname = django_settings.DATABASES["default"]["NAME"]

    with faults.app_broker(redis_server.url, QUEUE):
        worker = workers(redis_server.url)
        # and a lock that stops the refresh half way, inside its transaction
        side = _side_connection()
        try:
            with side.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{OwnerDay._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
            # When the refresh runs on the worker and the worker is SIGKILLed there
            assert queueing.enqueue(refresh_dirty_cells) is not None
            assert faults.wait_until(lambda: _blocked_on_a_lock(dbname), 30)
            worker.sigkill()
        finally:
            side.rollback()
            side.close()
        # Then nothing of the cut refresh is kept: the cells are still dirty
        assert faults.wait_until(lambda: not _blocked_on_a_lock(dbname), 30)
        assert DirtyCell.objects.exists() and not OwnerDay.objects.exists()

        # When a new worker starts and the beat sweep queues the refresh again
        workers(redis_server.url)
        assert queueing.enqueue(refresh_dirty_cells) is not None

        # Then it is redone, identical to the rows before and to a full recompute
        assert faults.wait_until(lambda: not DirtyCell.objects.exists(), 60)
        assert snapshot() == expected
        refresh.recompute_all()
        assert snapshot() == expected


class SlowReceiver:
    """Holds the first POST until released (the worker dies meanwhile); answers the rest."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                if len(receiver.received) == 1:
                    receiver.release.wait(30)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the worker that sent it is dead

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_worker_killed_during_a_webhook_post(redis_server, workers, in_process, marketer):
    # Given a receiver that holds its first POST, and deliveries that time out after 2 s
    in_process.WEBHOOK_TIMEOUT_SECONDS = 2
    receiver = SlowReceiver()
    try:
        subscriptions.subscription_create(actor=marketer, url=receiver.url, events=["lead.created"])
        with faults.app_broker(redis_server.url, QUEUE):
            worker = workers(redis_server.url, WEBHOOK_TIMEOUT_SECONDS="2")
            # When a lead is captured, the worker POSTs it and is SIGKILLed mid-POST
            from handoff import services

            services.lead_capture(actor=marketer, email="killed@example.com")
            assert faults.wait_until(lambda: len(receiver.received) == 1, 30)
            worker.sigkill()
            receiver.release.set()
            # Then the cut attempt is already in the log, in flight
            delivery = WebhookDelivery.objects.get()
            assert list(delivery.attempt_log.values_list("state", flat=True)) == ["in_flight"]

            # When a new worker starts and the beat sweep runs after the lease (3 x 2 s)
            workers(redis_server.url, WEBHOOK_TIMEOUT_SECONDS="2")
            assert faults.wait_until(
                lambda: webhooks_retry_due() > 0 or delivery.attempt_log.count() > 1, 20, 0.5
            )
            assert faults.wait_until(
                lambda: WebhookDelivery.objects.get().status == "succeeded", 30
            )
            webhooks_retry_due()  # a later sweep has nothing left to send
            time.sleep(1)

        # Then the receiver got the same delivery id twice (it can drop the repeat),
        assert [h["X-Webhook-Delivery"] for h, _b in receiver.received] == [str(delivery.pk)] * 2
        assert receiver.received[0][1] == receiver.received[1][1]
        # the log shows the interrupted attempt and the one that succeeded,
        log = list(delivery.attempt_log.order_by("id").values_list("state", "succeeded"))
        assert log == [("interrupted", False), ("done", True)]
        # and the delivery is recorded as sent once
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    finally:
        receiver.close()
