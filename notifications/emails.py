"""The email of a notice: a subject, a plain-text body and its HTML alternative, in the
recipient's language, times in the project's zone, with a link to the lead."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from leads.roles import user_label
from notifications import texts
from notifications.models import Notification

# The lead page belongs to the workflow; it is named, never imported.
LEAD_PAGE = "handoff:lead_detail"


def recipient_language(user: AbstractBaseUser) -> str:
    """The language of the user's emails. Users store no language preference yet, so it
    is settings.LANGUAGE_CODE; this is the one place to change when they do."""
    return settings.LANGUAGE_CODE


def recipient_zone(user: AbstractBaseUser) -> str:
    """The time zone of the user's emails: settings.TIME_ZONE (users store no zone yet)."""
    return settings.TIME_ZONE


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def build_email(note: Notification) -> EmailMultiAlternatives | None:
    """The message for one notice (None when its recipient has no email address)."""
    recipient = note.recipient
    if not recipient.email:
        return None
    with (
        translation.override(recipient_language(recipient)),
        timezone.override(recipient_zone(recipient)),
    ):
        lead_url = (
            absolute(reverse(LEAD_PAGE, kwargs={"lead_id": note.lead_id})) if note.lead_id else ""
        )
        context = {
            "title": str(note.get_kind_display()),
            "text": texts.render(note),
            "reader": user_label(recipient),
            "lead_label": note.lead.label if note.lead_id else "",
            "lead_url": lead_url,
            "list_url": absolute(reverse("notifications:list")),
            "sent_at": timezone.localtime(note.created_at),
            "zone": recipient_zone(recipient),
            "language": recipient_language(recipient),
        }
        subject = f"[CRM] {context['title']}"
        if context["lead_label"]:
            subject += f": {context['lead_label']}"
        text_body = render_to_string("notifications/email/notice.txt", context)
        html_body = render_to_string("notifications/email/notice.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html_body, "text/html")
    return message
