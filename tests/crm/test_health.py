"""/healthz says the process answers; /readyz says the database and the broker answer,
and names the failing part (never a host, port or error text) with a 503."""

import json
import os
from urllib.parse import urlparse

import pytest

from tests.crm.stack import free_port, get, production_env, session_database_url, start_web, stop


def test_healthz_answers_without_touching_the_database(client):
    # Given no database access for this test (any query would raise)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.redis
def test_readyz_is_ok_when_the_database_and_the_broker_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_probes_answer_whatever_host_the_prober_uses(client, db):
    # Given a probe sent to the container's own address, which ALLOWED_HOSTS does not list
    # When it asks for /healthz, Then it is answered (a page on that host is refused)
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def _closed_port_url(url: str, scheme_default: str) -> tuple[str, int]:
    """The same URL with its port replaced by a loopback port nothing listens on."""
    port = free_port()
    parsed = urlparse(url or scheme_default)
    netloc = f"{parsed.username or ''}{'@' if parsed.username else ''}127.0.0.1:{port}"
    return parsed._replace(netloc=netloc).geturl(), port


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("down", ["broker", "database"])
def test_readyz_names_the_part_that_is_down_and_nothing_else(down, db, tmp_path):
    # Given gunicorn in production whose broker (or database) is a closed loopback port
    database, broker = session_database_url(), os.environ["CELERY_BROKER_URL"]
    if down == "broker":
        broker, port = _closed_port_url(broker, "redis://127.0.0.1/0")
    else:
        database, port = _closed_port_url(database, "postgres://postgres@127.0.0.1/x")
    env = production_env(DATABASE_URL=database, CELERY_BROKER_URL=broker)
    proc, base = start_web(env, tmp_path / "web.log")
    try:
        # When a prober asks whether it is alive and whether it is ready
        alive, _ = get(f"{base}/healthz")
        status, body = get(f"{base}/readyz")
    finally:
        stop(proc)

    # Then it is alive, and not ready because of that part only, with no address in the answer
    assert alive == 200
    assert status == 503
    assert json.loads(body) == {"status": "unavailable", "failing": [down]}
    assert b"127.0.0.1" not in body
    assert str(port).encode() not in body
    # The operator finds the reason in the log
    assert f"readiness check failed: {down}" in (tmp_path / "web.log").read_text()


def test_probes_are_not_redirected_to_https_but_pages_are(client, settings):
    # Given the production redirect to HTTPS
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    # Then a plain-HTTP probe is answered, and a page is redirected
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
