"""Idempotency keys: a repeated POST with the same `Idempotency-Key` gets the first answer."""

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.models import IdempotencyKey

IDEMPOTENCY_HEADER = "Idempotency-Key"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"
    default_detail = "This Idempotency-Key was used for a different request."


class IdempotentReplay(exceptions.APIException):
    """Raised to short-cut a repeated request to its stored first answer."""

    def __init__(self, row: IdempotencyKey) -> None:
        super().__init__("replay")
        self.row = row


class IdempotencyMixin:
    """A POST with an `Idempotency-Key` header is answered once; repeats get the first answer.

    The key row is committed before the work starts (unique per user and key), so a
    concurrent repeat is refused with 409 instead of doing the work twice; a 5xx answer
    frees the key again.
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._idempotency_row = None
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method != "POST" or key is None:
            return
        if not 1 <= len(key) <= 255 or "\x00" in key:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: ["Give 1 to 255 characters."]})
        digest = hashlib.sha256()
        digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
        digest.update(request.body)
        request_hash = digest.hexdigest()
        try:
            with transaction.atomic():
                self._idempotency_row = IdempotencyKey.objects.create(
                    key=key,
                    user=request.user,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=request_hash,
                )
        except IntegrityError:
            row = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if row is None:
                raise IdempotencyConflict(
                    "The first request with this key is in progress.",
                    code="idempotency_in_progress",
                ) from None
            if row.request_hash != request_hash:
                raise IdempotencyConflict() from None
            if row.completed_at is None:
                raise IdempotencyConflict(
                    "The first request with this key is in progress.",
                    code="idempotency_in_progress",
                ) from None
            raise IdempotentReplay(row) from None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        row = getattr(self, "_idempotency_row", None)
        if row is not None:
            self._idempotency_row = None
            if response.status_code >= 500:
                row.delete()
            else:
                body = json.loads(JSONRenderer().render(response.data)) if response.data else None
                IdempotencyKey.objects.filter(pk=row.pk).update(
                    response_status=response.status_code,
                    response_body=body,
                    completed_at=timezone.now(),
                )
        return response
