"""Celery task of notices: their emails, each in its recipient's language."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.utils import translation

from notifications import texts
from notifications.models import Notification


def recipient_language(user: AbstractBaseUser) -> str:
    """The language of the user's emails. Users store no language preference yet, so it
    is settings.LANGUAGE_CODE; this is the one place to change when they do."""
    return settings.LANGUAGE_CODE


# The name keeps its old "handoff." prefix: messages already queued use it.
@shared_task(
    name="handoff.send_notification_emails",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notice to its recipient (those without an email address are left out)."""
    sent = 0
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    for note in notes:
        address = note.recipient.email
        if not address:
            continue
        with translation.override(recipient_language(note.recipient)):
            subject = f"[CRM] {note.get_kind_display()}"
            body = texts.render(note)
        sent += send_mail(
            subject=subject,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
            fail_silently=False,
        )
    return sent
