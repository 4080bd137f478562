"""The agreement page by role: everyone reads it, managers create and edit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from alignment import services
from alignment.models import Agreement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def current(manager):
    today = timezone.localdate()
    return services.agreement_create(
        actor=manager,
        start=today - dt.timedelta(days=9),
        end=today + dt.timedelta(days=20),
        mqls=300,
        max_cost_per_mql=Decimal("50"),
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
    )


@pytest.fixture
def past(manager):
    today = timezone.localdate()
    return services.agreement_create(
        actor=manager,
        start=today - dt.timedelta(days=100),
        end=today - dt.timedelta(days=40),
        mqls=5,
        min_sla_compliance=Decimal("0.5"),
        min_answered_share=Decimal("0.5"),
    )


@pytest.mark.parametrize("role", ["rep", "marketer", "manager"])
def test_every_role_reads_the_agreement(client, request, role, current, past) -> None:
    user = request.getfixturevalue(role)
    client.force_login(user)
    # When the user opens the agreement page
    response = client.get("/agreements/")
    # Then both sides, the verdict and the past agreement are there
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="agreement-verdict"' in html
    assert 'data-field="mqls"' in html and 'data-field="min_answered_share"' in html
    assert 'data-field="max_avg_response_hours"' not in html  # not set
    assert f'data-agreement="{past.pk}"' in html
    assert "Missed" in html  # nothing happened in the past period: 0 MQLs of 5
    # And only the manager is offered the edit form
    assert ('id="agreement-edit"' in html) is (role == "manager")
    assert "style=" not in html.split('<main id="main"')[1]
    assert "<script" not in html.split('<main id="main"')[1]


def test_the_verdict_is_a_sentence(client, rep, current) -> None:
    client.force_login(rep)
    html = client.get("/agreements/").content.decode()
    # No MQL in ten days of thirty: marketing is behind; no handoff: sales has no data
    assert "Marketing is behind on MQLs: 0 projected against 300 agreed" in html
    assert "sales has no data yet." in html


def test_a_past_agreement_has_its_own_page(client, rep, past) -> None:
    client.force_login(rep)
    response = client.get(f"/agreements/{past.pk}/")
    assert response.status_code == 200
    assert "Marketing missed its commitments on MQLs: 0 against 5 agreed" in (
        response.content.decode()
    )
    assert client.get("/agreements/999999/").status_code == 404


def test_without_an_agreement_the_page_says_so(client, rep, manager) -> None:
    client.force_login(rep)
    assert "No agreement yet" in client.get("/agreements/").content.decode()
    client.force_login(manager)
    assert "Create the first agreement" in client.get("/agreements/").content.decode()


def test_users_without_a_role_and_anonymous_users_are_kept_out(client, current) -> None:
    assert client.get("/agreements/").status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get("/agreements/").status_code == 403


@pytest.mark.parametrize("role", ["rep", "marketer"])
def test_only_managers_open_the_forms(client, request, role, current) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get("/agreements/new/").status_code == 403
    assert client.get(f"/agreements/{current.pk}/edit/").status_code == 403
    response = client.post(f"/agreements/{current.pk}/edit/", {"mqls": 1})
    assert response.status_code == 403
    current.refresh_from_db()
    assert current.mqls == 300


def test_a_manager_edits_with_percentages(client, manager, current) -> None:
    client.force_login(manager)
    # Given the edit form shows rates as percentages
    form = client.get(f"/agreements/{current.pk}/edit/").content.decode()
    assert 'value="90"' in form
    # When the manager saves new numbers
    response = client.post(
        f"/agreements/{current.pk}/edit/",
        {
            "start": current.start.isoformat(),
            "end": current.end.isoformat(),
            "mqls": "280",
            "max_cost_per_mql": "",
            "min_sla_compliance": "85",
            "min_answered_share": "92.5",
            "max_avg_response_hours": "12",
        },
    )
    # Then they are stored as fractions and the page shows them
    assert response.status_code == 302
    current.refresh_from_db()
    assert current.mqls == 280
    assert current.max_cost_per_mql is None
    assert current.min_answered_share == Decimal("0.925")
    assert current.max_avg_response_hours == Decimal("12")


def test_a_refused_save_shows_the_field_error(client, manager, current, past) -> None:
    client.force_login(manager)
    # When a new agreement overlapping the current one is posted
    response = client.post(
        "/agreements/new/",
        {
            "start": current.end.isoformat(),
            "end": (current.end + dt.timedelta(days=30)).isoformat(),
            "mqls": "10",
            "min_sla_compliance": "80",
            "min_answered_share": "90",
        },
    )
    # Then the form comes back with the message on the first day, and nothing is saved
    assert response.status_code == 200
    assert "overlaps the agreement" in response.content.decode()
    assert Agreement.objects.count() == 2
    # And a percentage out of range is refused by the form
    response = client.post(
        "/agreements/new/",
        {
            "start": "2030-01-01",
            "end": "2030-01-31",
            "mqls": "10",
            "min_sla_compliance": "120",
            "min_answered_share": "90",
        },
    )
    assert response.status_code == 200
    assert 'id="id_min_sla_compliance_error"' in response.content.decode()


def test_the_page_reads_a_constant_number_of_queries(client, rep, current, manager) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_past(n: int) -> None:
        today = timezone.localdate()
        services.agreement_create(
            actor=manager,
            start=today - dt.timedelta(days=400 - n * 30),
            end=today - dt.timedelta(days=400 - n * 30 - 29),
            mqls=1,
            min_sla_compliance=Decimal("0.5"),
            min_answered_share=Decimal("0.5"),
        )

    client.force_login(rep)
    # Given one past agreement, the page's queries
    add_past(0)
    client.get("/agreements/")
    with CaptureQueriesContext(connection) as one:
        client.get("/agreements/")
    # When there are ten (the page lists the latest eight)
    for n in range(1, 10):
        add_past(n)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/agreements/").content.decode()
    # Then the page reads as many queries
    assert html.count("data-agreement=") == 8
    assert len(many.captured_queries) == len(one.captured_queries)


def test_an_agreement_not_started_yet_says_so(client, rep, manager) -> None:
    # Given only an agreement that starts next week
    today = timezone.localdate()
    services.agreement_create(
        actor=manager,
        start=today + dt.timedelta(days=7),
        end=today + dt.timedelta(days=37),
        mqls=10,
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
    )
    client.force_login(rep)
    # When the rep opens the page, then it shows that one, with no data on either side
    html = client.get("/agreements/").content.decode()
    assert "not started yet" in html
    assert "Marketing has no data yet; sales has no data yet." in html
