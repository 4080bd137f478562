"""Failed API authentication is throttled per client address (issue 10, finding 4)."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
PARTNER = "198.51.100.20"


def _client(address: str, key: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_thirty_bad_tokens_from_one_address_end_in_429_with_retry_after(manager):
    # Given an address that guesses tokens
    codes = []
    # When it sends 30 wrong keys
    for attempt in range(30):
        codes.append(_client(ATTACKER, f"wrong-key-{attempt}").get("/api/v1/users/").status_code)
    # Then the first guesses are refused as 401 and the later ones as 429 with Retry-After
    assert codes[:20] == [401] * 20
    assert set(codes[20:]) == {429}
    r = _client(ATTACKER, "wrong-key-again").get("/api/v1/users/")
    assert r.status_code == 429 and r.json()["code"] == "throttled"
    assert 0 < int(r["Retry-After"]) <= 300
    # and even a valid key from that address waits for the window to end
    assert _client(ATTACKER, make_token(manager)).get("/api/v1/users/").status_code == 429


def test_valid_token_from_another_address_is_unaffected(manager):
    # Given an address locked out by bad tokens
    for attempt in range(30):
        _client(ATTACKER, f"wrong-key-{attempt}").get("/api/v1/users/")
    # When a partner calls with a valid key from its own address
    r = _client(PARTNER, make_token(manager)).get("/api/v1/users/")
    # Then it is served, and its own bad key still gets a plain 401
    assert r.status_code == 200
    assert _client(PARTNER, "typo").get("/api/v1/users/").status_code == 401


def test_malformed_token_headers_count_as_failures(settings):
    # Given a low limit
    settings.API_AUTH_FAILURE_LIMIT = 3
    client = APIClient(REMOTE_ADDR=ATTACKER)
    client.credentials(HTTP_AUTHORIZATION="Token two keys")
    # When a client sends headers that cannot be a key
    codes = [client.get("/api/v1/users/").status_code for _ in range(4)]
    # Then they count like wrong keys
    assert codes == [401, 401, 401, 429]


def test_failures_are_forgotten_when_the_window_ends(manager, settings, monkeypatch):
    # Given an address over its limit in one window
    settings.API_AUTH_FAILURE_LIMIT = 2
    clock = [1_000_000.0]
    monkeypatch.setattr("integrations.authentication.time.time", lambda: clock[0])
    for attempt in range(3):
        _client(ATTACKER, f"wrong-{attempt}").get("/api/v1/users/")
    assert _client(ATTACKER, "wrong").get("/api/v1/users/").status_code == 429
    # When the window has passed
    clock[0] += settings.API_AUTH_FAILURE_WINDOW
    # Then a valid key from that address is served again
    assert _client(ATTACKER, make_token(manager)).get("/api/v1/users/").status_code == 200


def test_no_credentials_are_not_counted_as_failures():
    # Given an anonymous caller without any token
    client = APIClient(REMOTE_ADDR=ATTACKER)
    # When it calls 30 times
    codes = {client.get("/api/v1/users/").status_code for _ in range(30)}
    # Then it gets 401/403 each time, never the failed-auth 429
    assert 429 not in codes


def test_an_unreachable_counter_cache_never_turns_a_bad_token_into_a_500(manager, settings):
    # Given throttle counters in a Redis that is not there
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    settings.API_THROTTLE_CACHE = "throttle"
    settings.API_AUTH_FAILURE_LIMIT = 2
    # When bad tokens keep coming
    codes = {_client(ATTACKER, f"wrong-{n}").get("/api/v1/users/").status_code for n in range(4)}
    # Then each is a plain 401 (not counted, never a 500) and a valid key is served
    assert codes == {401}
    assert _client(PARTNER, make_token(manager)).get("/api/v1/users/").status_code == 200
