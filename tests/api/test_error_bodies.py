"""Every API error is JSON `{"detail", "code"}` (413, 415, 500 and 503 included) and pages
get an error page; malformed input of every kind is a 4xx (issue 10, findings 5 and 9)."""

import base64
import json
import socket
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from handoff import selectors
from tests.api.conftest import client_for

TEN_MB = 10 * 1024 * 1024


def _json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["code"] == code
    return body


@pytest.fixture
def quiet_client(manager) -> APIClient:
    """A token client that gets the server's answer to an exception instead of re-raising."""
    client = client_for(manager)
    client.raise_request_exception = False
    return client


# --------------------------------------------------------------------------- 413 and 415


@pytest.mark.django_db
@pytest.mark.parametrize("idempotency_key", [None, "big-1"])
def test_a_10_mb_body_is_a_413_json_error(manager, idempotency_key):
    # given a JSON body of 10 MB (one huge string)
    body = json.dumps({"email": "big@example.com", "company": "x" * TEN_MB})
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    # when it is POSTed (parsed from the stream, or read whole for the idempotency hash)
    r = client_for(manager).post("/api/v1/leads/", body, content_type="application/json", **headers)
    # then the answer is a JSON 413 and nothing was created
    _json_error(r, 413, "too_large")
    assert not selectors.lead_list(user=manager).exists()


@pytest.mark.django_db
def test_a_10_mb_form_post_to_a_page_is_a_413_page(marketer):
    client = Client()
    client.force_login(marketer)
    r = client.post(
        "/leads/new/", "a=" + "x" * TEN_MB, content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 413
    assert r["Content-Type"].startswith("text/html") and b"Too large" in r.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"]
)
def test_a_wrong_content_type_is_a_415_json_error(manager, content_type):
    r = client_for(manager).post("/api/v1/leads/", b"email=a@b.c", content_type=content_type)
    _json_error(r, 415, "unsupported_media_type")


# --------------------------------------------------------------------------- 500 and 503


@pytest.mark.django_db
@pytest.mark.parametrize("error", [RuntimeError, ValueError, KeyError])
def test_an_unexpected_exception_is_a_500_json_error_not_a_400(quiet_client, monkeypatch, error):
    # given a fault inside the handoff list (a ValueError included: it is ours, not the client's)
    def broken(**kwargs):
        raise error("a bug")

    monkeypatch.setattr(selectors, "handoff_list", broken)
    # when the list is asked for
    r = quiet_client.get("/api/v1/handoffs/")
    # then a JSON 500, never a 400 "Malformed input"
    _json_error(r, 500, "server_error")


@pytest.mark.django_db
def test_an_unexpected_exception_on_a_page_is_the_500_page(marketer, monkeypatch):
    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(selectors, "lead_list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(marketer)
    r = client.get("/leads/")
    assert r.status_code == 500 and r["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in r.content


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down():
    """The database becomes unreachable: the open connection is closed and the next one
    goes to a loopback port where nothing listens (a real refused connection)."""
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}

    def down() -> None:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_free_port()))

    yield down
    connection.close()
    connection.settings_dict.update(saved)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_outage_is_a_503_json_error(manager, database_down):
    # given a manager's token, then a database that cannot be reached
    client = client_for(manager)
    client.raise_request_exception = False
    database_down()
    # when the API is called
    r = client.get("/api/v1/leads/")
    # then a JSON 503 that says to come back
    _json_error(r, 503, "unavailable")
    assert int(r["Retry-After"]) > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_outage_on_a_page_is_the_503_page(marketer, database_down):
    client = Client(raise_request_exception=False)
    client.force_login(marketer)
    database_down()
    r = client.get("/leads/")
    assert r.status_code == 503 and r["Content-Type"].startswith("text/html")
    assert b"Briefly unavailable" in r.content


# --------------------------------------------------------------------------- malformed input


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_json_nested_too_deep_is_a_400(manager, depth):
    body = '{"email": "deep@example.com", "company": ' + "[" * depth + "]" * depth + "}"
    r = client_for(manager).post("/api/v1/leads/", body, content_type="application/json")
    _json_error(r, 400, "parse_error")
    assert not selectors.lead_list(user=manager).exists()


def _cursor(position: str, offset: int = 0, reverse: bool = False) -> str:
    query = f"o={offset}&r={int(reverse)}&p={quote(position)}"
    return quote(base64.b64encode(query.encode()).decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        _cursor("abc"),
        _cursor("\x00"),
        _cursor("99999999999999999999999999"),
        _cursor("-99999999999999999999999999", reverse=True),
        _cursor("1e400"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/leads/", "/api/v1/handoffs/", "/api/v1/campaigns/"])
def test_garbage_and_out_of_range_cursors_are_4xx_json(manager, world, path, cursor):
    r = client_for(manager).get(f"{path}?cursor={cursor}")
    assert 400 <= r.status_code < 500, r.content[:300]
    assert r.json()["code"] in {"not_found", "invalid"}


@pytest.mark.django_db
def test_a_huge_cursor_offset_is_capped(manager, world):
    r = client_for(manager).get(f"/api/v1/leads/?cursor={_cursor('12', offset=10**20)}")
    assert r.status_code == 200 and r.json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", ["created_at", "-created_at", "email", "score", "-updated_at", "status"]
)
@pytest.mark.parametrize(
    "position", ["zz", "\x00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9" * 40]
)
def test_cursor_positions_of_any_ordering_never_give_a_500(manager, world, ordering, position):
    r = client_for(manager).get(f"/api/v1/leads/?ordering={ordering}&cursor={_cursor(position)}")
    assert r.status_code in {200, 400, 404}, r.content[:300]
