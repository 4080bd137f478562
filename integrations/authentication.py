"""API token authentication (`Authorization: Token <key>`) and per-token throttling."""

import datetime as dt
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from integrations.models import ApiToken, hash_key

logger = logging.getLogger(__name__)

LAST_USED_EVERY = dt.timedelta(minutes=1)

# After the counter cache failed, this process lets requests through without asking it for
# this long: a Redis that is down costs one connection attempt, not one per request.
CACHE_COOLDOWN_SECONDS = 5.0
_cache_down_until = 0.0


def count_hit(cache: BaseCache, key: str, timeout: int) -> int:
    """Add one to a window's counter and return it: one atomic INCR (+ EXPIRE) round trip
    on Redis, shared by every process; `add` + `incr` on other caches (per process for
    LocMemCache). Raises whatever the cache raises when it is down."""
    if isinstance(cache, RedisCache):
        client = _redis_client(cache)
        full_key = cache.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout)
        count, _ok = pipe.execute()
        return int(count)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _redis_client(cache: RedisCache) -> Any:
    """One redis-py client per cache object (Django builds a new one, ~300 callbacks set
    up, on every call; the connection pool is the same)."""
    client = getattr(cache, "_counter_client", None)
    if client is None:
        client = cache._cache.get_client(write=True)
        cache._counter_client = client  # type: ignore[attr-defined]
    return client


def read_count(cache: BaseCache, key: str) -> int:
    """A counter's value (0 when absent); a raw GET on Redis (Django stores ints plainly)."""
    if isinstance(cache, RedisCache):
        value = _redis_client(cache).get(cache.make_and_validate_key(key))
        return int(value) if value is not None else 0
    return cache.get(key, 0)


def cache_usable() -> bool:
    return time.monotonic() >= _cache_down_until


def cache_back() -> None:
    """Forget a recent failure: the next request asks the counter cache again."""
    global _cache_down_until
    _cache_down_until = 0.0


def cache_failed(exc: Exception, what: str) -> None:
    global _cache_down_until
    _cache_down_until = time.monotonic() + CACHE_COOLDOWN_SECONDS
    logger.warning("%s: counter cache unavailable, not throttling: %r", what, exc)


class AuthFailureThrottle:
    """Failed token authentications per client address in fixed windows of
    API_AUTH_FAILURE_WINDOW seconds; past API_AUTH_FAILURE_LIMIT the address gets 429 with
    Retry-After until its window ends. Counters live in the throttle cache; a cache that
    is down lets requests through (logged), like the other throttles."""

    def __init__(self, request: Request) -> None:
        self.window = max(1, settings.API_AUTH_FAILURE_WINDOW)
        now = time.time()
        bucket = int(now // self.window)
        self.retry_after = max(1, math.ceil((bucket + 1) * self.window - now))
        ident = throttling.BaseThrottle().get_ident(request)
        self.key = f"api-auth-failures:{ident}:{bucket}"
        self.cache = caches[settings.API_THROTTLE_CACHE]

    def check(self) -> None:
        """Refuse the request outright while this address is over its failure limit."""
        if not cache_usable():
            return
        try:
            failures = read_count(self.cache, self.key)
        except Exception as exc:
            cache_failed(exc, "API auth failures")
            return
        if failures >= settings.API_AUTH_FAILURE_LIMIT:
            raise exceptions.Throttled(
                wait=self.retry_after, detail="Too many failed authentications."
            )

    def record(self) -> None:
        if not cache_usable():
            return
        try:
            count_hit(self.cache, self.key, self.window + 1)
        except Exception as exc:
            cache_failed(exc, "API auth failures")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Looks the key up by its SHA-256; revoked keys and inactive users are refused, and an
    address that keeps failing is throttled (AuthFailureThrottle)."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        failures = AuthFailureThrottle(request)
        failures.check()
        try:
            return self._authenticate_key(header)
        except exceptions.AuthenticationFailed:
            failures.record()
            raise

    def _authenticate_key(self, header: list[bytes]) -> tuple[Any, ApiToken]:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give one key.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        self._touch(token)
        return token.user, token

    @staticmethod
    def _touch(token: ApiToken) -> None:
        """Record use at most once a minute, so a busy key does not write on every request."""
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class _WindowCounter:
    """A rate `N/period` counted in fixed windows of the period: one atomic counter per
    key and window (`count_hit`), so every web process shares it when the throttle cache
    is Redis, and a request costs one round trip instead of DRF's read-modify-write of a
    list of timestamps (which grows with the rate). A burst may reach 2N across a window
    boundary. A throttle whose cache is unreachable lets the request through (logged)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:  # type: ignore[attr-defined]
            return True
        self.key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if self.key is None or not cache_usable():
            return True
        duration = self.duration  # type: ignore[attr-defined]
        self.now = self.timer()  # type: ignore[attr-defined]
        bucket = int(self.now // duration)
        self.window_end = (bucket + 1) * duration
        try:
            count = count_hit(self.cache, f"{self.key}:{bucket}", duration + 1)  # type: ignore[attr-defined]
        except Exception as exc:  # e.g. Redis down: never turn that into a 500
            cache_failed(exc, "API throttle")
            return True
        return count <= self.num_requests  # type: ignore[attr-defined]

    def wait(self) -> float:
        return max(1.0, self.window_end - self.now)


class TokenRateThrottle(_WindowCounter, throttling.SimpleRateThrottle):
    """One bucket per API token (per user for session requests): API_THROTTLE_RATE."""

    scope = "token"

    def __init__(self) -> None:
        self.cache = caches[settings.API_THROTTLE_CACHE]
        super().__init__()

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonRateThrottle(_WindowCounter, throttling.AnonRateThrottle):
    """Requests without credentials, per client address: API_ANON_THROTTLE_RATE."""

    def __init__(self) -> None:
        self.cache = caches[settings.API_THROTTLE_CACHE]
        super().__init__()

    def get_rate(self) -> str | None:
        return settings.API_ANON_THROTTLE_RATE or None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>`; keys come from `manage.py create_api_token USERNAME` and act "
                "with their user's role."
            ),
        }
