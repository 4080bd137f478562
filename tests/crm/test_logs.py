"""Request logs: every request gets an id (kept from a proxy's X-Request-ID when it looks like
one), answered in a header and written on its log line with method, path, status and time;
production formats records as JSON lines, development as readable text."""

import json
import logging
import subprocess
import sys

import pytest

from crm.logs import RequestIdFilter, request_id_var
from tests.crm.stack import ROOT, production_env


@pytest.fixture
def request_records(caplog):
    caplog.set_level(logging.INFO, logger="crm.request")
    return lambda: [r for r in caplog.records if r.name == "crm.request"]


def test_each_request_is_logged_once_with_its_id_status_and_duration(client, request_records):
    response = client.get("/accounts/login/")

    [record] = request_records()
    assert response["X-Request-ID"] == record.request_id
    assert (record.method, record.path, record.status) == ("GET", "/accounts/login/", 200)
    assert record.duration_ms >= 0
    assert record.getMessage().startswith("GET /accounts/login/ 200 ")


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, request_records):
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="edge-7f3a-0001")
    replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\n{forged}")

    assert kept["X-Request-ID"] == "edge-7f3a-0001"
    assert replaced["X-Request-ID"] != "bad id\n{forged}"
    assert len(replaced["X-Request-ID"]) == 32
    assert [r.request_id for r in request_records()] == [
        "edge-7f3a-0001",
        replaced["X-Request-ID"],
    ]


def test_records_carry_the_request_id_of_the_request_they_were_written_in():
    record = logging.LogRecord("leads", logging.INFO, __file__, 1, "saved", None, None)
    token = request_id_var.set("req-123456")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.request_id == "req-123456"
    outside = logging.LogRecord("leads", logging.INFO, __file__, 1, "tick", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


FORMAT_ONE_RECORD = (
    "import crm, logging; crm.use_default_settings(); import django; django.setup(); "
    "logging.getLogger('crm.request').info('GET / 200', extra={'status': 200, 'path': '/'})"
)


def _one_line(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", FORMAT_ONE_RECORD],
        cwd=ROOT,
        env=production_env(DATABASE_URL="postgres://crm@127.0.0.1:5432/crm", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # everything on stdout
    return result.stdout.strip()


def test_production_writes_json_lines_on_stdout():
    record = json.loads(_one_line())
    assert record["level"] == "INFO"
    assert record["logger"] == "crm.request"
    assert (record["message"], record["status"], record["path"]) == ("GET / 200", 200, "/")
    assert record["request_id"] == "-"
    assert record["timestamp"]


def test_log_format_text_keeps_production_logs_readable():
    line = _one_line(LOG_FORMAT="text")
    assert line.endswith("INFO crm.request [-] GET / 200")


def test_an_unknown_log_format_refuses_to_start():
    result = subprocess.run(
        [sys.executable, "-c", FORMAT_ONE_RECORD],
        cwd=ROOT,
        env=production_env(DATABASE_URL="postgres://crm@127.0.0.1:5432/crm", LOG_FORMAT="xml"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be 'text' or 'json'" in result.stderr
