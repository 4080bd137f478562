"""API token authentication (`Authorization: Token <key>`) and per-token throttling."""

import datetime as dt
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from integrations.models import ApiToken, hash_key

logger = logging.getLogger(__name__)

LAST_USED_EVERY = dt.timedelta(minutes=1)


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
        try:
            failures = self.cache.get(self.key, 0)
        except Exception as exc:
            logger.warning("API auth failure cache unavailable, not throttling: %r", exc)
            return
        if failures >= settings.API_AUTH_FAILURE_LIMIT:
            raise exceptions.Throttled(
                wait=self.retry_after, detail="Too many failed authentications."
            )

    def record(self) -> None:
        try:
            self.cache.add(self.key, 0, timeout=self.window + 1)
            self.cache.incr(self.key)
        except Exception as exc:
            logger.warning("API auth failure cache unavailable, not counting: %r", exc)


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


class _FailOpen:
    """A throttle whose counter cache is unreachable lets the request through (logged)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception as exc:  # e.g. Redis down: never turn that into a 500
            logger.warning("API throttle cache unavailable, not throttling: %r", exc)
            return True


class TokenRateThrottle(_FailOpen, throttling.SimpleRateThrottle):
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


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
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
