"""A notice's email: an HTML message with a plain-text alternative, a link to the lead, the
reader's display name, times in the project's zone and the reader's language."""

import datetime as dt

from django.core import mail
from django.utils import timezone, translation

from handoff.sla.sweep import sla_sweep
from leads.roles import user_label
from notifications import tasks
from notifications.models import Notification
from tests.factories import lead_in_state


def test_assigned_email_has_html_and_text_with_an_absolute_link_to_the_lead(
    marketer, rep, settings
) -> None:
    # Given a lead handed off to a rep, and the address users reach the app at
    settings.SITE_URL = "https://crm.example.test/"
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    note = Notification.objects.get(recipient=rep, kind="lead_assigned")
    mail.outbox.clear()

    # When its email is sent
    assert tasks.send_notification_emails([note.pk]) == 1

    # Then it is one message: text body plus an HTML alternative, both linking to the lead
    (email,) = mail.outbox
    link = f"https://crm.example.test/leads/{lead.pk}/"
    assert email.subject == f"[CRM] New lead assigned: {lead.label}"
    assert link in email.body and "<" not in email.body.replace(f"<{link}>", "")
    ((html, mimetype),) = email.alternatives
    assert mimetype == "text/html"
    assert f'<a href="{link}">' in html and '<html lang="en">' in html
    assert f"Hello {user_label(rep)}," in email.body and user_label(rep) != rep.username


def test_email_times_are_in_the_project_zone_and_the_text_in_its_language(
    marketer, rep, settings
) -> None:
    # Given a project in Madrid's zone whose language is Spanish
    settings.TIME_ZONE = "Europe/Madrid"
    settings.LANGUAGE_CODE = "es"
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    note = Notification.objects.get(recipient=rep, kind="lead_assigned")
    mail.outbox.clear()

    # When the email goes out
    tasks.send_notification_emails([note.pk])

    # Then the due time reads in Madrid time, named, and the text is Spanish
    (email,) = mail.outbox
    with timezone.override("Europe/Madrid"):
        due = timezone.localtime(note.handoff.sla_due_at)
    assert f"{due:%d/%m/%Y %H:%M} Europe/Madrid" in email.body
    assert user_label(rep) in email.body  # "Hola ..." once the new msgids are translated
    assert "Nuevo lead asignado" in email.subject and "Nuevo Nuevo" not in email.body
    assert lead.label in email.alternatives[0][0]


def test_breach_notice_names_the_rep_by_display_name(marketer, rep, manager) -> None:
    # Given a handoff past its due time
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    later = lead.handoffs.get().sla_due_at + dt.timedelta(minutes=1)

    # When the sweep records the breach
    sla_sweep(now=later)

    # Then the managers read the rep's name, not their username
    note = Notification.objects.get(recipient=manager, kind="sla_breached")
    with translation.override("en"):
        assert f"with {user_label(rep)}." in note.text
    assert rep.username not in note.text
