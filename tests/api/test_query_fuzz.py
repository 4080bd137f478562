"""Hostile query strings on pages and API lists: huge integers, dates at the edges of the
calendar, NUL bytes and garbage must be a 4xx or a normal page, never a 500 (issue 10,
finding 5). A fixed list of nasty values per parameter, then hypothesis on free text."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import client_for

NASTY = [
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "10000-01-01",
    "2026-02-30",
    "\x00",
    "a\x00b@x.com",
    "\ud800",
    "x" * 5000,
    "' OR 1=1 --",
    "\uff12",
]

PAGES = {
    "/leads/": [
        "page",
        "q",
        "status",
        "campaign",
        "channel",
        "owner",
        "score_min",
        "created_after",
        "created_before",
    ],
    "/notifications/": ["page"],
    "/inbox/": ["page", "q", "status", "sort"],
    "/dashboard/": ["preset", "start", "end", "campaign", "channel", "sort_campaign"],
    "/campaigns/": ["q", "channel", "status", "sort", "start", "end"],
    "/leads/new/": ["campaign"],
}
API = {
    "/api/v1/leads/": [
        "q",
        "status",
        "campaign",
        "owner",
        "score_min",
        "created_after",
        "created_before",
        "page_size",
    ],
    "/api/v1/handoffs/": ["assignee", "lead", "outcome", "overdue", "handed_off_after"],
    "/api/v1/opportunities/": ["owner", "lead", "campaign", "closed_after", "created_before"],
    "/api/v1/campaigns/": ["status", "owner", "start_date_after", "created_after"],
    "/api/v1/sales-costs/": ["date_after", "date_before"],
    "/api/v1/users/": ["role"],
    "/api/v1/kpis/summary/": ["start", "end", "campaign", "owner", "channel"],
}


def _query(param: str, value: str) -> str:
    return urlencode({param: value}, encoding="utf-8", errors="surrogatepass")


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(PAGES))
def test_pages_answer_nasty_query_values_without_a_server_error(manager_client, world, path):
    # given every filter of the page, when each gets each nasty value
    failures = []
    for param in PAGES[path]:
        for value in NASTY:
            r = manager_client.get(f"{path}?{_query(param, value)}")
            if r.status_code >= 500:
                failures.append((param, value[:30], r.status_code))
    # then no answer was a server error
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(API))
def test_api_lists_answer_nasty_filters_with_2xx_or_a_json_4xx(manager, world, path):
    client = client_for(manager)
    client.raise_request_exception = False
    failures = []
    for param in API[path]:
        for value in NASTY:
            r = client.get(f"{path}?{_query(param, value)}")
            if r.status_code >= 500 or (
                r.status_code >= 400 and not {"detail", "code"} <= set(r.json())
            ):
                failures.append((param, value[:30], r.status_code))
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/leads/", "/notifications/"])
@pytest.mark.parametrize("number", ["99999999999999999999", "100001", str(2**63)])
def test_out_of_range_page_numbers_are_a_404_not_a_500(manager_client, path, number):
    r = manager_client.get(f"{path}?page={number}")
    assert r.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/leads/", "/notifications/"])
def test_a_page_past_the_end_is_still_a_page(manager_client, path):
    assert manager_client.get(f"{path}?page=1000").status_code == 200


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    param=st.sampled_from(["q", "campaign", "score_min", "created_after", "owner", "page"]),
    value=st.text(max_size=40) | st.integers().map(str),
)
def test_lead_list_page_and_api_never_answer_500_to_free_text(manager, param, value):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    api = client_for(manager)
    api.raise_request_exception = False
    query = _query(param, value)
    assert client.get(f"/leads/?{query}").status_code < 500
    assert api.get(f"/api/v1/leads/?{query}").status_code < 500


HUGE = "99999999999999999999"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/leads/{HUGE}/"),
        ("get", f"/leads/{HUGE}/edit/"),
        ("post", f"/leads/{HUGE}/qualify/"),
        ("get", f"/campaigns/{HUGE}/"),
        ("get", f"/campaigns/{HUGE}/edit/"),
        ("get", f"/campaigns/{HUGE}/spend/"),
        ("get", f"/leads/import/{HUGE}/"),
        ("get", f"/leads/import/{HUGE}/mapping/"),
        ("post", f"/notifications/{HUGE}/read/"),
        ("post", f"/dashboard/reassign/{HUGE}/"),
        ("post", f"/inbox/{HUGE}/accept/"),
    ],
)
def test_huge_ids_in_page_paths_are_a_404(manager_client, method, path):
    r = getattr(manager_client, method)(path)
    assert r.status_code == 404, (path, r.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/leads/{HUGE}/events/"),
        ("post", f"/api/v1/leads/{HUGE}/accept/"),
        ("get", f"/api/v1/campaigns/{HUGE}/costs/"),
        ("get", f"/api/v1/opportunities/{HUGE}/"),
        ("post", f"/api/v1/opportunities/{HUGE}/win/"),
        ("get", f"/api/v1/handoffs/{HUGE}/"),
    ],
)
def test_huge_ids_in_api_paths_are_a_json_404(manager, method, path):
    client = client_for(manager)
    client.raise_request_exception = False
    r = getattr(client, method)(path, {}, format="json") if method == "post" else client.get(path)
    assert r.status_code == 404, (path, r.status_code, r.content[:200])
    assert r.json()["code"] == "not_found"


FORMS = {
    # path (with {own} for the rep's handed-off lead), baseline fields, fields to spoil
    "/leads/new/": (
        {"email": "fuzz{n}@example.com", "score": "10"},
        ["email", "first_name", "company", "country", "campaign", "score"],
    ),
    "/campaigns/new/": (
        {
            "name": "Fuzz {n}",
            "channel": "email",
            "status": "active",
            "start_date": "2026-01-01",
            "budget": "100",
        },
        ["name", "channel", "start_date", "end_date", "budget", "utm_source"],
    ),
    "/leads/bulk/": ({"action": "nurture", "leads": "1"}, ["action", "leads", "assignee"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(FORMS))
def test_page_forms_answer_nasty_fields_without_a_server_error(manager_client, world, path):
    baseline, fields = FORMS[path]
    # given a baseline the form takes (a redirect after the write)
    assert manager_client.post(path, _fill(baseline, 0)).status_code == 302
    # when each field in turn gets each nasty value
    failures = []
    for n, (field, value) in enumerate(((f, v) for f in fields for v in NASTY), start=1):
        data = {**_fill(baseline, n), field: value.replace("\ud800", "?")}
        r = manager_client.post(path, data)
        if r.status_code >= 500:
            failures.append((field, value[:30], r.status_code))
    # then no answer was a server error
    assert failures == []


def _fill(baseline: dict[str, str], n: int) -> dict[str, str]:
    return {key: value.replace("{n}", str(n)) for key, value in baseline.items()}


@pytest.mark.django_db
def test_the_reject_form_answers_nasty_fields_without_a_server_error(rep, world):
    client = Client(raise_request_exception=False)
    client.force_login(rep)
    failures = []
    for field in ("reason", "feedback", "rating"):
        for value in NASTY:
            data = {"reason": "no_budget", field: value.replace("\ud800", "?")}
            r = client.post(f"/inbox/{world['own'].pk}/reject/", data)
            if r.status_code >= 500:
                failures.append((field, value[:30], r.status_code))
    assert failures == []
