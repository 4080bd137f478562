"""Token auth and the token command, session auth with CSRF, throttling, and error bodies."""

import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiToken, hash_key
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_a_key_once_and_stores_only_its_hash(manager):
    out = StringIO()
    call_command(
        "create_api_token", manager.username, "--name", "hubspot", stdout=out, stderr=StringIO()
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.name == "hubspot" and token.key_hash == hash_key(key)
    assert key not in (token.prefix, token.key_hash) and key.startswith(token.prefix)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/leads/").status_code == 200


def test_revoked_token_is_refused_with_401(manager):
    out = StringIO()
    call_command("create_api_token", manager.username, stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    call_command("create_api_token", "--revoke", token.prefix, stdout=StringIO())
    listing = StringIO()
    call_command("create_api_token", "--list", stdout=listing)
    assert "revoked" in listing.getvalue() and token.prefix in listing.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = client.get("/api/v1/leads/")
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"
    assert r["WWW-Authenticate"] == "Token"


def test_last_used_is_written_at_most_once_a_minute(manager):
    client = client_for(manager)
    client.get("/api/v1/users/")
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/users/")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/users/")
    assert ApiToken.objects.get().last_used_at > first


def test_session_auth_needs_the_csrf_token(marketer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(marketer)
    assert client.get("/api/v1/leads/").status_code == 200
    r = client.post("/api/v1/leads/", {"email": "s@example.com"}, format="json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_throttled_token_gets_429_with_retry_after(manager, settings):
    settings.API_THROTTLE_RATE = "3/min"
    cache.clear()
    client = client_for(manager)
    codes = [client.get("/api/v1/users/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get("/api/v1/users/")
    assert r.json()["code"] == "throttled" and int(r["Retry-After"]) > 0
    # another token of another user has its own bucket
    assert client_for(manager).get("/api/v1/users/").status_code == 200
    cache.clear()


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("post", "/api/v1/leads/", b"{not json", "application/json"),
        ("post", "/api/v1/leads/", b"[1, 2]", "application/json"),
        ("post", "/api/v1/leads/", b'{"email": "a\\u0000@x.com"}', "application/json"),
        (
            "post",
            "/api/v1/leads/",
            b'{"email": "x@x.com", "campaign": 99999999999999999999}',
            "application/json",
        ),
        ("post", "/api/v1/leads/bulk/", b'{"leads": "nope"}', "application/json"),
        ("post", "/api/v1/leads/bulk/", b"[{}, null, []]", "application/json"),
        ("post", "/api/v1/leads/", b"email=a@b.c", "application/x-www-form-urlencoded"),
        ("get", "/api/v1/leads/?q=%00&campaign=abc", None, None),
        ("get", "/api/v1/leads/?cursor=garbage", None, None),
        ("get", "/api/v1/leads/?ordering=password", None, None),
        ("get", "/api/v1/leads/99999999999999999999999/", None, None),
        ("get", "/api/v1/kpis/summary/?start=2026-02-01&end=2026-01-01", None, None),
        ("get", "/api/v1/kpis/summary/?start=x", None, None),
        (
            "get",
            "/api/v1/kpis/timeseries/?start=2000-01-01&end=2026-01-01&metric=leads&interval=day",
            None,
            None,
        ),
        ("get", "/api/v1/nowhere/\n", None, None),
        ("delete", "/api/v1/leads/1/", None, None),
    ],
)
def test_malformed_requests_never_answer_500(manager, world, method, path, body, content_type):
    client = client_for(manager)
    kwargs = {"content_type": content_type} if content_type else {}
    r = getattr(client, method)(path, body, **kwargs) if body else getattr(client, method)(path)
    assert r.status_code < 500, r.content[:300]
    if r.status_code >= 400:
        body = r.json()
        assert isinstance(body["detail"], str) and isinstance(body["code"], str)
    else:  # a bulk of bad rows answers per row; an unknown ordering field is ignored
        assert path.endswith("bulk/") or "ordering=" in path


def test_idempotency_keys_older_than_the_ttl_are_pruned(marketer_api, settings):
    from integrations.models import IdempotencyKey
    from integrations.tasks import idempotency_keys_prune

    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    marketer_api.post(
        "/api/v1/leads/",
        {"email": "old-key@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="old",
    )
    marketer_api.post(
        "/api/v1/leads/",
        {"email": "new-key@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="new",
    )
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert idempotency_keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_admin_lists_tokens_and_delivery_logs(admin_client, manager):
    client_for(manager)  # one token
    for url in (
        "/admin/integrations/apitoken/",
        "/admin/integrations/webhooksubscription/",
        "/admin/integrations/webhookdelivery/",
    ):
        assert admin_client.get(url).status_code == 200, url


def _redis_throttle_cache(url: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"throttle-test-{timezone.now().timestamp()}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }


@pytest.mark.redis
def test_throttle_counters_can_live_in_redis(manager, settings):
    import os

    settings.CACHES = _redis_throttle_cache(os.environ["CELERY_BROKER_URL"])
    settings.API_THROTTLE_CACHE = "throttle"
    settings.API_THROTTLE_RATE = "2/min"
    client = client_for(manager)
    codes = [client.get("/api/v1/users/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_an_unreachable_throttle_cache_lets_requests_through(manager, settings):
    settings.CACHES = _redis_throttle_cache("redis://127.0.0.1:1/0")
    settings.API_THROTTLE_CACHE = "throttle"
    settings.API_THROTTLE_RATE = "1/min"
    client = client_for(manager)
    assert [client.get("/api/v1/users/").status_code for _ in range(2)] == [200, 200]
