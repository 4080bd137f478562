"""Notice emails as an outbox: written pending with the notice, sent at most once however
many tasks and sweeps ask, put back to pending when sending fails."""

import socket

import pytest
from django.core import mail

from notifications import emails, texts
from notifications.models import EmailState, Notification, NotificationKind
from notifications.services import notify
from notifications.tasks import notifications_email_sweep, send_notification_emails
from tests import factories

pytestmark = pytest.mark.django_db


def _notice(user) -> Notification:
    (note,) = notify(
        [user],
        kind=NotificationKind.LEAD_ASSIGNED,
        code=texts.LEAD_ASSIGNED,
        params={"lead": "Ana", "due": "2026-01-01T00:00:00+00:00"},
    )
    return note


def test_a_notice_is_written_with_its_email_pending_and_queued_after_commit(
    rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = _notice(rep)
    assert note.email_state == EmailState.PENDING and len(callbacks) == 1
    assert mail.outbox == []


def test_the_task_and_the_sweep_together_send_each_email_once(rep):
    # Given a pending notice
    note = _notice(rep)
    # When its task runs twice (a redelivered message) and the sweep runs too
    first = send_notification_emails([note.pk])
    second = send_notification_emails([note.pk])
    swept = notifications_email_sweep()
    # Then one email went out and the notice says when
    assert (first, second, swept) == (1, 0, 0)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [rep.email]
    note.refresh_from_db()
    assert note.email_state == EmailState.SENT and note.email_sent_at is not None


def test_a_notice_claimed_by_another_sender_is_not_sent_again(rep):
    note = _notice(rep)
    Notification.objects.filter(pk=note.pk).update(email_state=EmailState.SENDING)
    assert send_notification_emails([note.pk]) == 0 and notifications_email_sweep() == 0
    assert mail.outbox == []


def test_a_recipient_without_an_address_is_skipped(db):
    user = factories.UserFactory(role="sales", email="")
    note = _notice(user)
    assert notifications_email_sweep() == 0
    note.refresh_from_db()
    assert note.email_state == EmailState.SKIPPED


def test_a_failed_send_puts_the_unsent_notices_back_to_pending(rep, other_rep, settings):
    # Given two pending notices and a mail server that is down (SMTP on a closed port)
    notes = [_notice(rep), _notice(other_rep)]
    backend, settings.EMAIL_BACKEND = (
        settings.EMAIL_BACKEND,
        "django.core.mail.backends.smtp.EmailBackend",
    )
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        2,
    )
    # When the sweep tries
    with pytest.raises(OSError):
        emails.sweep()
    # Then both wait for the next try, and the next sweep (the server back) sends both once
    states = set(Notification.objects.values_list("email_state", flat=True))
    assert states == {EmailState.PENDING}
    settings.EMAIL_BACKEND = backend
    assert notifications_email_sweep() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notes)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
