"""The spam guards of public forms: the honeypot, the signed fill-time token and the rate
limits per client address and per form (counted in the throttle cache, shared Redis when
API_THROTTLE_REDIS_URL is set)."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

# The honeypot: a text input hidden by the `wf-hp` CSS class; people leave it empty.
HONEYPOT_FIELD = "website"
TOKEN_FIELD = "form_token"
_SALT = "integrations.public_forms.fill"


def client_address(request: HttpRequest) -> str:
    """The client address by the rule of `crm.security.client_ip` (REMOTE_ADDR, or what
    NUM_PROXIES trusted proxies put in X-Forwarded-For): DRF's one implementation."""
    return BaseThrottle().get_ident(request) or "unknown"


def fill_token(slug: str, *, now: float | None = None) -> str:
    """A token that proves when the form was served (signed, bound to the form)."""
    stamp = int((time.time() if now is None else now) * 1000)
    return signing.Signer(salt=f"{_SALT}:{slug}").sign(str(stamp))


def token_age(slug: str, token: object, *, now: float | None = None) -> float | None:
    """Seconds since the token was served; None when it is missing, forged, from another
    form, from the future or older than PUBLIC_FORM_TOKEN_MAX_AGE."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    try:
        stamp = int(signing.Signer(salt=f"{_SALT}:{slug}").unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    age = (time.time() if now is None else now) - stamp / 1000
    if age < -5 or age > settings.PUBLIC_FORM_TOKEN_MAX_AGE:
        return None
    return max(age, 0.0)


def is_too_fast(age: float) -> bool:
    return age < settings.PUBLIC_FORM_MIN_FILL_SECONDS


@dataclass(frozen=True)
class Limited:
    retry_after: int


def _hit(key: str, limit: int, window: int, now: float) -> Limited | None:
    slot = int(now // window)
    cache = caches[settings.PUBLIC_FORM_CACHE]
    full_key = f"webform:{key}:{slot}"
    try:
        cache.add(full_key, 0, timeout=window + 1)
        count = cache.incr(full_key)
    except Exception:  # a down cache must not take the forms down: no limit then
        logger.warning("web form rate limit unavailable", exc_info=True)
        return None
    if count > limit:
        return Limited(retry_after=max(1, math.ceil((slot + 1) * window - now)))
    return None


def rate_limit(*, address: str, slug: str, now: float | None = None) -> Limited | None:
    """Count one submission from `address` to form `slug`; Limited when either the address
    (over all forms) or the form is over its limit for the current window."""
    moment = time.time() if now is None else now
    by_address = _hit(
        f"ip:{address}",
        settings.PUBLIC_FORM_IP_LIMIT,
        settings.PUBLIC_FORM_IP_WINDOW,
        moment,
    )
    by_form = _hit(
        f"form:{slug}",
        settings.PUBLIC_FORM_FORM_LIMIT,
        settings.PUBLIC_FORM_FORM_WINDOW,
        moment,
    )
    return by_address or by_form
