"""Issue 10, finding 2: with the broker down, a move that notifies someone still answers
(API and pages), everything it wrote is saved, and once the sweeps run each notice is
emailed exactly once; a capture and a CSV import started during the outage are done later.

The broker here is a loopback port where nothing listens (connection refused), reached by
real transactions (on-commit callbacks run as in production). The same story against real
processes (a private redis-server killed and restarted, a real worker) is in
tests/crm/test_fault_processes.py."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from handoff.models import Handoff, HandoffOutcome
from imports.models import LeadImport, LeadImportStatus
from imports.tasks import imports_requeue_stuck
from integrations import tasks as webhook_tasks
from integrations.models import WebhookDelivery
from integrations.webhooks import subscriptions
from leads import queueing
from leads.models import Lead, LeadStatus
from metrics import refresh, selectors
from metrics.models import DirtyCell
from notifications.models import EmailState, Notification
from notifications.tasks import notifications_email_sweep
from tests import faults
from tests.api.conftest import client_for
from tests.factories import lead_in_state
from tests.integrations.test_webhooks import Receiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _every_enqueue_tries_the_broker(monkeypatch):
    """No cooldown: each queueing path below meets the dead broker itself."""
    monkeypatch.setattr(queueing, "COOLDOWN_SECONDS", 0.0)


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_moves_answer_with_the_broker_down_and_the_sweep_emails_each_notice_once(
    marketer, rep, other_rep, manager
):
    # Given six leads at the step before a move that notifies someone (set up normally)
    to_hand_off = lead_in_state("mql", marketer=marketer)
    to_hand_off_page = lead_in_state("mql", marketer=marketer)
    to_reassign = lead_in_state("handed_off", marketer=marketer, rep=rep)
    to_reassign_api = lead_in_state("handed_off", marketer=marketer, rep=rep)
    to_reject_api = lead_in_state("handed_off", marketer=marketer, rep=rep)
    to_reject_page = lead_in_state("handed_off", marketer=marketer, rep=rep)
    before = set(Notification.objects.values_list("pk", flat=True))
    mail.outbox.clear()

    # When the broker is down and the moves are made through the API and the pages
    with faults.app_broker(faults.dead_broker_url(), "outage"):
        handed = client_for(marketer).post(
            f"/api/v1/leads/{to_hand_off.pk}/handoff/", {"assignee": rep.pk}, format="json"
        )
        handed_page = _logged_in(marketer).post(
            reverse("handoff:lead_move", args=[to_hand_off_page.pk, "handoff"]),
            {"handoff-assignee": rep.pk},
        )
        reassigned_api = client_for(manager).post(
            f"/api/v1/leads/{to_reassign_api.pk}/reassign/",
            {"assignee": other_rep.pk},
            format="json",
        )
        reassigned = _logged_in(manager).post(
            reverse("metrics:reassign", args=[to_reassign.pk]),
            {f"reassign-{to_reassign.pk}-assignee": other_rep.pk},
            HTTP_HX_REQUEST="true",
        )
        rejected_api = client_for(rep).post(
            f"/api/v1/leads/{to_reject_api.pk}/reject/", {"reason": "no_budget"}, format="json"
        )
        prefix = f"reject-{to_reject_page.pk}"
        rejected_page = _logged_in(rep).post(
            reverse("handoff:inbox_reject", args=[to_reject_page.pk]),
            {f"{prefix}-reason": "no_budget", f"{prefix}-feedback": "no money"},
            HTTP_HX_REQUEST="true",
        )

    # Then every request answered (no 500) and every move is saved
    assert handed.status_code == 200, handed.content
    assert handed_page.status_code == 302, handed_page.content
    assert reassigned_api.status_code == 200, reassigned_api.content
    assert reassigned.status_code == 200, reassigned.content
    assert rejected_api.status_code == 200, rejected_api.content
    assert rejected_page.status_code == 200, rejected_page.content
    assert Lead.objects.get(pk=to_hand_off.pk).status == LeadStatus.HANDED_OFF
    assert Lead.objects.get(pk=to_hand_off_page.pk).status == LeadStatus.HANDED_OFF
    assert Lead.objects.get(pk=to_reassign.pk).owner_id == other_rep.pk
    assert Lead.objects.get(pk=to_reassign_api.pk).owner_id == other_rep.pk
    assert Handoff.objects.get(lead=to_reject_api, outcome=HandoffOutcome.REJECTED)
    assert Handoff.objects.get(lead=to_reject_page, outcome=HandoffOutcome.REJECTED)
    # and each move's notices are written with their email pending, none sent yet
    notices = Notification.objects.exclude(pk__in=before)
    assert {n.lead_id for n in notices} == {
        to_hand_off.pk,
        to_hand_off_page.pk,
        to_reassign.pk,
        to_reassign_api.pk,
        to_reject_api.pk,
        to_reject_page.pk,
    }
    assert {n.email_state for n in notices} == {EmailState.PENDING}
    assert mail.outbox == []

    # When the beat sweep runs (twice, as overlapping ticks might)
    sent = notifications_email_sweep()
    again = notifications_email_sweep()

    # Then each notice was emailed exactly once, to its recipient
    assert sent == notices.count() and again == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notices)
    assert set(notices.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_capture_and_import_during_the_outage_are_done_once_by_the_sweeps(
    marketer, settings, tmp_path
):
    # Given a webhook subscription on a live receiver on 127.0.0.1
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.MEDIA_ROOT = str(tmp_path)
    settings.IMPORT_REQUEUE_AFTER_SECONDS = 0
    receiver = Receiver([200])
    try:
        subscriptions.subscription_create(actor=marketer, url=receiver.url, events=["lead.created"])
        client = _logged_in(marketer)

        # When the broker is down, a lead is captured by API and a CSV import is started
        with faults.app_broker(faults.dead_broker_url(), "outage"):
            captured = client_for(marketer).post(
                "/api/v1/leads/", {"email": "outage@example.com"}, format="json"
            )
            upload = client.post(
                reverse("imports:import_start"),
                {
                    "file": SimpleUploadedFile(
                        "leads.csv", b"email\nimp1@example.com\nimp2@example.com\n"
                    )
                },
            )
            started = client.post(upload["Location"], {"email": "email"})

        # Then both answered and everything is saved, waiting for the sweeps
        assert captured.status_code == 201, captured.content
        assert started.status_code == 302, started.content
        assert Lead.objects.filter(email="outage@example.com").exists()
        lead_import = LeadImport.objects.get()
        assert lead_import.status == LeadImportStatus.QUEUED
        assert WebhookDelivery.objects.get().status == "pending"
        assert DirtyCell.objects.exists()
        assert receiver.received == []

        # When the broker is back and the beat sweeps run twice
        for _ in range(2):
            imports_requeue_stuck()
            webhook_tasks.webhooks_retry_due()
            refresh.refresh_dirty()

        # Then the import ran once, the webhook was delivered once, the KPIs are current
        lead_import.refresh_from_db()
        assert lead_import.status == LeadImportStatus.DONE
        assert lead_import.created_count == 2 and lead_import.duplicate_count == 0
        assert Lead.objects.filter(email__startswith="imp").count() == 2
        # (one delivery per lead.created: the captured lead and the two imported ones)
        ids = sorted(headers["X-Webhook-Delivery"] for headers, _body in receiver.received)
        assert ids == sorted(str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True))
        assert len(ids) == 3
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
        assert not DirtyCell.objects.exists()
        day = refresh.local_day(Lead.objects.get(email="outage@example.com").created_at)
        incremental = selectors.kpi_summary(start=day, end=day)
        refresh.recompute_all()
        full = selectors.kpi_summary(start=day, end=day)
        assert {**incremental, "computed_at": None} == {**full, "computed_at": None}
    finally:
        receiver.close()
