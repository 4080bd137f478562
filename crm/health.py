"""Probes for load balancers and orchestrators: /healthz (alive) and /readyz (database, broker).

Both answer before host validation, the HTTPS redirect and sessions (HealthCheckMiddleware,
first in MIDDLEWARE), so a probe on the container's own address works whatever
ALLOWED_HOSTS says. They name a failing part and nothing else: the error text (hosts,
ports, users) goes to the log, never to the caller.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_broker() -> None:
    timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
        )


CHECKS: dict[str, Callable[[], None]] = {"database": _check_database, "broker": _check_broker}


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else."""
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database and the broker both answer; 503 names the parts that do not."""
    failing = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of that part means "not ready"
            failing.append(name)
            logger.warning("readiness check failed: %s: %s", name, exc, extra={"check": name})
    if failing:
        body = {"status": "unavailable", "failing": failing}
        return _no_store(JsonResponse(body, status=503))
    return _no_store(JsonResponse({"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}))


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answers GET/HEAD /healthz and /readyz before any other middleware runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in {"GET", "HEAD"}:
            return probe(request)
        return self.get_response(request)
