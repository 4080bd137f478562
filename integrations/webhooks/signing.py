"""Signing webhook bodies: the `X-Signature` header (HMAC-SHA256 of the raw body)."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"


def sign(body: bytes, secret: str) -> str:
    """The `X-Signature` header value: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    return hmac.compare_digest(sign(body, secret), header or "")
