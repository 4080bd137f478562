"""The OpenAPI schema validates, the docs are served locally, and schemathesis finds nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import factories
from tests.api.conftest import make_token

ROOT = Path(__file__).resolve().parents[2]


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for needle in (
        "/api/v1/leads/{id}/convert/",
        "tokenAuth",
        "cookieAuth",
        "TransitionError",
        "Idempotency-Key",
        "Retry-After",
        "/api/v1/kpis/breakdown/",
        "/api/v1/leads/{id}/touches/",
    ):
        assert needle in text


def test_schema_declares_the_json_errors_of_every_operation():
    # given the generated schema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    # then every operation declares 500 and 503, and each one with a body 413 and 415
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"500", "503"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)
            assert "Retry-After" in operation["responses"]["503"]["headers"]


@pytest.mark.django_db
def test_docs_page_uses_local_static_files(client):
    r = client.get("/api/v1/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schemathesis_finds_no_server_error_nor_schema_violation(live_server, settings, tmp_path):
    # given a manager's token and a few objects to find
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    manager = factories.UserFactory(role="manager")
    factories.CampaignFactory()
    key = make_token(manager)
    # when schemathesis fuzzes every operation of the live schema
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server.url}/api/v1/schema/",
            "--url",
            f"{live_server.url}/",
            "-H",
            f"Authorization: Token {key}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance,response_headers_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"),
            "--workers",
            "1",
            "--max-time",
            "90",
            "--seed",
            "1",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    # then nothing failed
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
