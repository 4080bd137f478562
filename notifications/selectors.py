"""Reads of notices: a user sees only their own."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from notifications.models import Notification

AnyUser = AbstractBaseUser | AnonymousUser


def notifications_for(*, user: AnyUser) -> QuerySet[Notification]:
    """The user's notices, newest first (unread and read)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).select_related("lead")


def unread_count(*, user: AnyUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
