"""Reads of notices: the unread count and the list are the user's own; mark one or all read."""

import pytest
from django.contrib.auth.models import AnonymousUser

from handoff.models import Handoff
from notifications import selectors, services
from tests.factories import lead_in_state


def test_notifications_unread_count_and_mark_read(marketer, rep, other_rep) -> None:
    lead_in_state("handed_off", marketer=marketer, rep=rep)
    lead_in_state("handed_off", marketer=marketer, rep=rep)
    assert selectors.unread_count(user=rep) == 2
    assert selectors.unread_count(user=AnonymousUser()) == 0
    first = selectors.notifications_for(user=rep).first()
    assert first.kind == "lead_assigned"
    with pytest.raises(type(first).DoesNotExist):
        services.notification_mark_read(notification_id=first.pk, user=other_rep)
    services.notification_mark_read(notification_id=first.pk, user=rep)
    assert selectors.unread_count(user=rep) == 1
    assert services.notification_mark_all_read(user=rep) == 1
    assert selectors.unread_count(user=rep) == 0
    assert Handoff.objects.count() == 2
