"""The notifications page: the shell's unread count, the list, opening and reading a notice;
nobody reads another user's notices."""

import pytest
from django.test import Client
from django.urls import reverse

from handoff import services
from notifications.models import Notification
from tests.factories import lead_in_state


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def test_rejection_notifies_marketing_with_an_unread_count_then_read(
    marketer, rep, marketer_client
):
    # Given a lead handed off by marketing and rejected by the rep
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    services.lead_reject(lead_id=lead.pk, actor=rep, reason="not_a_fit")
    notification = Notification.objects.get(recipient=marketer, kind="lead_rejected")

    # When marketing opens any page, then the list, then opens the notice
    page = marketer_client.get(reverse("handoff:lead_list")).content.decode()
    listing = marketer_client.get(reverse("notifications:list")).content.decode()
    opened = marketer_client.post(
        reverse("notifications:read", args=[notification.pk]), {"open": "1"}
    )

    # Then the shell shows 1 unread, the list names the kind, and opening it reads it
    assert 'class="notif-count"' in page and ">1</span>" in page
    assert "Lead rejected" in listing
    assert opened["Location"] == reverse("handoff:lead_detail", args=[lead.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    after = marketer_client.get(reverse("handoff:lead_list")).content.decode()
    assert 'class="notif-count"' not in after


def test_cannot_read_someone_elses_notification(marketer, rep, marketer_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    theirs = Notification.objects.get(recipient=rep, kind="lead_assigned")

    response = marketer_client.post(reverse("notifications:read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None and lead.pk


@pytest.mark.parametrize(
    ("language", "kind"), [("en", "New lead assigned"), ("es", "Nuevo lead asignado")]
)
def test_each_notice_links_its_lead_and_never_reads_new_new(marketer, rep, language, kind):
    # Given a lead assigned to a rep (one unread notice)
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    client = Client()
    client.force_login(rep)

    # When the rep reads the list in English or Spanish
    listing = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE=language)
    html = listing.content.decode()

    # Then the notice links to the lead page by its label, and the badge does not repeat "New"
    assert f'href="{reverse("handoff:lead_detail", args=[lead.pk])}"' in html
    assert "New New" not in html and "Nuevo Nuevo" not in html
    assert kind in html
    assert 'class="badge badge-new"' in html


def _list_queries(client: Client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("notifications:list")).status_code == 200
    return len(captured)


def test_list_query_count_does_not_grow_with_notices_and_their_lead_links(marketer, rep):
    # Given a rep with 2 notices (each linking its lead), then with 20
    client = Client()
    client.force_login(rep)
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    Notification.objects.create(recipient=rep, kind="lead_assigned", lead=lead, message="x")
    few = _list_queries(client)
    for _ in range(18):
        Notification.objects.create(recipient=rep, kind="lead_assigned", lead=lead, message="x")

    # When the list is read again
    many = _list_queries(client)

    # Then it costs the same queries
    assert Notification.objects.filter(recipient=rep).count() == 20
    assert many == few
