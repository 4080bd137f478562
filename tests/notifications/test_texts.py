"""A notice stores a code and parameters, so it reads in whoever's language shows it; rows
from before codes existed show their stored English message."""

import datetime as dt

from django.core import mail
from django.utils import timezone, translation

from handoff import services
from leads.roles import user_label
from notifications import tasks, texts
from notifications.models import Notification
from tests.factories import lead_in_state


def test_a_notice_written_in_english_reads_in_spanish(marketer, rep) -> None:
    with translation.override("en"):
        lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
        services.lead_reject(lead_id=lead.pk, actor=rep, reason="no_budget")
    note = Notification.objects.get(recipient=marketer, kind="lead_rejected")

    assert note.code == texts.LEAD_REJECTED
    assert note.message == f"Lead rejected (No budget): {lead.label}."
    with translation.override("es"):
        assert note.text == f"Lead rechazado (Sin presupuesto): {lead.label}."
    with translation.override("en"):
        assert note.text == note.message


def test_assigned_notice_keeps_its_english_message_and_shows_the_due_time_per_language(
    marketer, rep
) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    note = Notification.objects.get(recipient=rep, kind="lead_assigned")
    due = note.handoff.sla_due_at

    local = timezone.localtime(due)
    chooser = user_label(marketer)
    assert note.params == {
        "lead": lead.label,
        "due": due.isoformat(),
        "route": "manual",
        "chooser": chooser,
    }
    assert note.message == (
        f"New lead assigned: {lead.label}. Respond by {local:%Y-%m-%d %H:%M} UTC."
        f" Why you: chosen by {chooser}."
    )
    with translation.override("es"):
        assert note.text.startswith(
            f"Nuevo lead asignado: {lead.label}. Responda antes del {local:%d/%m/%Y %H:%M} UTC."
        )


def test_escalation_reason_is_translated_with_its_count() -> None:
    params = {"lead": "Ana (Acme)", "why": texts.REASSIGN_LIMIT, "count": 2}
    assert texts.render_english(texts.SLA_ESCALATED, params) == (
        "Escalated: Ana (Acme) is overdue and was not reassigned (already reassigned 2 time(s))."
    )
    with translation.override("es"):
        assert "ya reasignado 2 vez/veces" in texts.render_text(texts.SLA_ESCALATED, params)


def test_a_row_without_code_shows_its_stored_message(marketer) -> None:
    old = Notification.objects.create(
        recipient=marketer, kind="sla_reminder", message="Respond to X by 2026-01-01 10:00."
    )
    with translation.override("es"):
        assert old.text == "Respond to X by 2026-01-01 10:00."


def test_email_is_rendered_in_the_recipients_language(marketer, rep, settings) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    note = Notification.objects.get(recipient=rep, kind="lead_assigned")
    mail.outbox.clear()

    settings.LANGUAGE_CODE = "es"
    assert tasks.send_notification_emails([note.pk]) == 1

    (email,) = mail.outbox
    assert email.subject == f"[CRM] Nuevo lead asignado: {lead.label}"
    assert f"Nuevo lead asignado: {lead.label}." in email.body
    assert email.to == [rep.email]
    assert isinstance(note.created_at, dt.datetime)
