"""Throttle counters in Redis are shared by every web process: one token's requests are
counted together whatever process serves them (a real Redis, a second OS process)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches

from integrations.authentication import count_hit
from tests.api.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]

# The other process: the same throttle class, the same Redis, the same token id.
OTHER_PROCESS = """
import json, os, sys
from types import SimpleNamespace
import django
django.setup()
from django.test.utils import override_settings
config = json.loads(sys.argv[1])
with override_settings(
    CACHES=config["caches"], API_THROTTLE_CACHE="throttle", API_THROTTLE_RATE=config["rate"]
):
    from integrations.authentication import TokenRateThrottle
    from integrations.models import ApiToken
    request = SimpleNamespace(
        user=SimpleNamespace(is_authenticated=True, pk=0), auth=ApiToken(pk=config["token"])
    )
    print(json.dumps([TokenRateThrottle().allow_request(request, None) for _ in range(2)]))
"""


def _redis_caches(prefix: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CELERY_BROKER_URL"],
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }


def test_two_processes_share_one_tokens_counter(manager, settings) -> None:
    # Given counters in Redis and a rate of 3 requests a day for a token
    prefix = f"throttle-shared-{uuid.uuid4().hex}"
    settings.CACHES = _redis_caches(prefix)
    settings.API_THROTTLE_CACHE = "throttle"
    settings.API_THROTTLE_RATE = "3/day"
    client = client_for(manager)
    token_id = _token_id(manager)
    # When this process serves two requests of the token
    assert [client.get("/api/v1/users/").status_code for _ in range(2)] == [200, 200]
    # And another process checks the same token twice
    config = {"caches": _redis_caches(prefix), "rate": "3/day", "token": token_id}
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, json.dumps(config)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # Then the other process saw this one's two: one more allowed, then refused
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, False]
    # And this process sees the other's: the token is over its rate here too
    r = client.get("/api/v1/users/")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


def _token_id(user) -> int:
    from integrations.models import ApiToken

    return ApiToken.objects.filter(user=user).order_by("-id").values_list("pk", flat=True)[0]


def test_a_counter_is_one_atomic_increment_per_hit(settings) -> None:
    settings.CACHES = _redis_caches(f"throttle-count-{uuid.uuid4().hex}")
    cache = caches["throttle"]
    assert [count_hit(cache, "k", 60) for _ in range(3)] == [1, 2, 3]
    assert 0 < cache._cache.get_client().ttl(cache.make_and_validate_key("k")) <= 60
    cache.delete("k")
