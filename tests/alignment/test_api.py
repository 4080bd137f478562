"""The agreement endpoints: managers write, every role reads, every bad input a 400 with field
errors, and the status answer of alignment.md."""

import datetime as dt
from decimal import Decimal

import pytest

from alignment import services
from alignment.models import Agreement
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_api(manager):
    return client_for(manager)


@pytest.fixture
def rep_api(rep):
    return client_for(rep)


@pytest.fixture
def marketer_api(marketer):
    return client_for(marketer)


URL = "/api/v1/agreements/"
BODY = {
    "start": "2026-04-01",
    "end": "2026-06-30",
    "mqls": 300,
    "max_cost_per_mql": "50.00",
    "min_sla_compliance": 0.8,
    "min_answered_share": 0.9,
}


@pytest.fixture
def agreement(manager):
    return services.agreement_create(
        actor=manager,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        mqls=10,
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
        max_avg_response_hours=Decimal("12"),
    )


def test_a_manager_creates_an_agreement(manager_api, manager) -> None:
    # When a manager posts an agreement
    response = manager_api.post(URL, BODY, format="json")
    # Then it is saved with its numbers in the API format
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["mqls"] == 300
    assert body["max_cost_per_mql"] == "50.00"
    assert body["min_sla_compliance"] == 0.8
    assert body["max_avg_response_hours"] is None
    assert body["created_by"] == manager.pk
    assert Agreement.objects.get(pk=body["id"]).min_answered_share == Decimal("0.9")


@pytest.mark.parametrize("client_name", ["rep_api", "marketer_api"])
def test_other_roles_read_but_may_not_write(request, client_name, agreement) -> None:
    client = request.getfixturevalue(client_name)
    # When a rep or a marketer writes
    created = client.post(URL, BODY, format="json")
    changed = client.patch(f"{URL}{agreement.pk}/", {"mqls": 1}, format="json")
    # Then both are refused with 403 and nothing changes, but reading works
    assert created.status_code == 403
    assert changed.status_code == 403
    assert Agreement.objects.count() == 1
    assert Agreement.objects.get().mqls == 10
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{agreement.pk}/").json()["mqls"] == 10
    assert client.get(f"{URL}{agreement.pk}/status/").status_code == 200


def test_anonymous_callers_get_401(agreement) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401


def test_the_service_refuses_non_managers(rep) -> None:
    from leads.errors import ActionNotAllowed

    with pytest.raises(ActionNotAllowed):
        services.agreement_create(actor=rep, **BODY)
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"min_sla_compliance": 0}, "min_sla_compliance"),
        ({"min_sla_compliance": 1.01}, "min_sla_compliance"),
        ({"min_answered_share": -0.5}, "min_answered_share"),
        ({"min_answered_share": "abc"}, "min_answered_share"),
        ({"max_cost_per_mql": "0.00"}, "max_cost_per_mql"),
        ({"max_cost_per_mql": "-3"}, "max_cost_per_mql"),
        ({"max_avg_response_hours": 0}, "max_avg_response_hours"),
        ({"mqls": 0}, "mqls"),
        ({"mqls": 2.5}, "mqls"),
        ({"end": "2026-03-31"}, "end"),
        ({"start": "2026-13-01"}, "start"),
        ({"start": None}, "start"),
    ],
)
def test_bad_input_is_a_400_with_the_field_named(manager_api, change, field) -> None:
    response = manager_api.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert not Agreement.objects.exists()


def test_missing_required_fields_are_named(manager_api) -> None:
    response = manager_api.post(URL, {"start": "2026-04-01"}, format="json")
    assert response.status_code == 400
    assert {"end", "mqls", "min_sla_compliance", "min_answered_share"} <= set(response.json())


def test_an_overlapping_period_is_refused(manager_api, agreement) -> None:
    # Given the January agreement, when a period that overlaps it is posted
    response = manager_api.post(URL, {**BODY, "start": "2026-01-31"}, format="json")
    # Then the start is refused, naming the other agreement
    assert response.status_code == 400
    assert "2026-01-01" in response.json()["start"][0]
    # And an agreement may be moved without clashing with itself
    ok = manager_api.patch(f"{URL}{agreement.pk}/", {"end": "2026-02-15"}, format="json")
    assert ok.status_code == 200, ok.json()


def test_patch_checks_the_dates_against_the_stored_ones(manager_api, agreement) -> None:
    response = manager_api.patch(f"{URL}{agreement.pk}/", {"end": "2025-12-31"}, format="json")
    assert response.status_code == 400
    assert "end" in response.json()
    agreement.refresh_from_db()
    assert agreement.end == dt.date(2026, 1, 31)


def test_patch_can_clear_an_optional_commitment(manager_api, agreement) -> None:
    response = manager_api.patch(
        f"{URL}{agreement.pk}/", {"max_avg_response_hours": None}, format="json"
    )
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.max_avg_response_hours is None


def test_status_before_the_start_has_no_data(rep_api, agreement) -> None:
    response = rep_api.get(f"{URL}{agreement.pk}/status/", {"as_of": "2025-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2025-12-31"
    assert (body["elapsed_days"], body["total_days"]) == (0, 31)
    assert set(body["commitments"]) == {
        "mqls",
        "min_sla_compliance",
        "min_answered_share",
        "max_avg_response_hours",
    }
    assert body["commitments"]["mqls"] == {
        "committed": 10,
        "actual": None,
        "expected_to_date": 0.0,
        "projected": None,
        "status": "no_data",
    }
    assert body["verdict"] == {"marketing": "no_data", "sales": "no_data"}


def test_status_rejects_a_bad_date(rep_api, agreement) -> None:
    response = rep_api.get(f"{URL}{agreement.pk}/status/", {"as_of": "yesterday"})
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_unknown_agreement_is_404(rep_api) -> None:
    assert rep_api.get(f"{URL}999999/status/").status_code == 404


def test_the_endpoints_are_in_the_schema(client) -> None:
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/agreements/"])
    assert {"get", "patch"} <= set(paths["/api/v1/agreements/{id}/"])
    status = paths["/api/v1/agreements/{id}/status/"]["get"]
    assert any(p["name"] == "as_of" for p in status["parameters"])
    assert "AgreementStatus" in schema["components"]["schemas"]


def test_the_list_reads_a_constant_number_of_queries(rep_api, manager) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(month: int) -> None:
        services.agreement_create(
            actor=manager,
            start=dt.date(2025, month, 1),
            end=dt.date(2025, month, 28),
            mqls=1,
            min_sla_compliance=Decimal("0.5"),
            min_answered_share=Decimal("0.5"),
        )

    # Given one agreement, then six
    add(1)
    rep_api.get(URL)
    with CaptureQueriesContext(connection) as one:
        rep_api.get(URL)
    for month in range(2, 7):
        add(month)
    with CaptureQueriesContext(connection) as six:
        body = rep_api.get(URL).json()
    # Then the list reads as many queries for six as for one
    rows = body["results"] if isinstance(body, dict) else body
    assert len(rows) == 6
    assert len(six.captured_queries) == len(one.captured_queries)
