"""Read replica routing: read-heavy pages and the KPI API may read from a PostgreSQL replica.

With `DATABASE_REPLICA_URL` set, settings add a second database alias `replica` and turn
`DATABASE_REPLICA_READS` on; without it everything stays on `default`. Reads go to the
replica only when all of these hold, else to the primary:

- the request is a GET/HEAD whose path starts with one of `DATABASE_REPLICA_PATHS`
  (`ReplicaReadsMiddleware`), or code runs inside `replica_reads()` (e.g. a selector);
- no domain data was written in that scope yet: the first such write pins every later
  read of the request to the primary, so a read right after a write sees it (a token's
  "last used" stamp, a session, never read from the replica, do not pin);
- no transaction is open on the primary (a read inside one must see its writes);
- the model is domain data (leads, handoffs, rollups, plans); users, groups, sessions,
  tokens, lockouts and idempotency keys are always read from the primary (a sign-in
  or a new token must never be missed because the replica lags).

Writes and migrations always go to `default` (the replica is fed by PostgreSQL's own
replication, not by Django).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
REPLICA_APPS = frozenset({"leads", "handoff", "metrics", "alignment", "imports"})

# None: outside a replica scope; False: inside, nothing written yet; True: pinned.
_scope: contextvars.ContextVar[bool | None] = contextvars.ContextVar("replica_scope", default=None)


def replica_enabled() -> bool:
    return (
        bool(getattr(settings, "DATABASE_REPLICA_READS", False)) and REPLICA in settings.DATABASES
    )


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let the reads in this block use the replica until the block's first write."""
    token = _scope.set(False)
    try:
        yield
    finally:
        _scope.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if (
            _scope.get() is False
            and model._meta.app_label in REPLICA_APPS
            and replica_enabled()
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        if _scope.get() is False and model._meta.app_label in REPLICA_APPS:
            _scope.set(True)  # read-your-writes: the rest of the scope reads the primary
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both aliases

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


class ReplicaReadsMiddleware:
    """GET/HEAD requests under DATABASE_REPLICA_PATHS read through `replica_reads()`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in ("GET", "HEAD")
            and replica_enabled()
            and request.path.startswith(tuple(settings.DATABASE_REPLICA_PATHS))
        ):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
