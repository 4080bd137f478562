"""The production profile as the image runs it: the Dockerfile's collectstatic step builds
the manifest with the production settings, gunicorn (the web service's command) serves
pages and hashed static files from it, and writes one JSON line per request."""

import json
import re
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.crm.stack import (
    BIN,
    ROOT,
    get,
    json_lines,
    production_env,
    session_database_url,
    start_web,
    stop,
)

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The environment and command of the Dockerfile's collectstatic step."""
    joined = DOCKERFILE.replace("\\\n", " ")
    line = next(ln for ln in joined.splitlines() if "collectstatic" in ln)
    words = shlex.split(line.removeprefix("RUN "))
    env = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    command = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
    return env, command


@pytest.fixture(scope="module")
def built_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Static files built exactly as the image builds them, into a temporary STATIC_ROOT."""
    root = tmp_path_factory.mktemp("staticfiles")
    build_env, command = dockerfile_collectstatic()
    assert build_env["DJANGO_ENV"] == "production"
    assert "DJANGO_SETTINGS_MODULE" not in build_env
    assert command[:2] == ["python", "manage.py"]
    result = subprocess.run(
        [str(BIN / "python"), *command[1:]],
        cwd=ROOT,
        env={**production_env(), **build_env, "STATIC_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_the_build_step_writes_a_manifest_with_every_served_file(built_static):
    # Given the image's collectstatic step, run with the production settings
    manifest = json.loads((built_static / "staticfiles.json").read_text())["paths"]

    # Then the app's CSS, Chart.js and the source map it points at are all in it
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", manifest["css/app.css"])
    assert "vendor/chart.umd.min.js" in manifest
    assert "vendor/chart.umd.min.js.map" in manifest
    assert (built_static / manifest["vendor/chart.umd.min.js"]).is_file()


@pytest.mark.postgres
def test_gunicorn_in_production_serves_pages_and_hashed_static_files(built_static, db, tmp_path):
    # Given gunicorn started with the web service's command and the production settings
    env = production_env(
        STATIC_ROOT=str(built_static), DATABASE_URL=session_database_url(), LOG_LEVEL="INFO"
    )
    log = tmp_path / "web.log"
    proc, base = start_web(env, log)
    try:
        # When a browser opens the login page and the stylesheet it links
        status, page = get(f"{base}/accounts/login/", {"X-Request-ID": "probe-login-0001"})
        css = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
        assert css is not None, "the page does not link the hashed stylesheet"
        with urllib.request.urlopen(f"{base}{css.group(1).decode()}", timeout=15) as response:
            css_status, css_headers, css_body = response.status, response.headers, response.read()
    finally:
        stop(proc)

    # Then both answer 200, the stylesheet by its hashed name, cacheable for good
    assert status == 200, page[:500]
    assert b'name="password"' in page
    assert css_status == 200
    assert css_headers["Content-Type"].startswith("text/css")
    assert "immutable" in css_headers["Cache-Control"]
    assert b"{" in css_body

    # And each request is one JSON line on stdout with its id, method, path, status, time
    requests = [r for r in json_lines(log) if r.get("logger") == "crm.request"]
    login = next(r for r in requests if r["path"] == "/accounts/login/")
    assert login["request_id"] == "probe-login-0001"
    assert (login["method"], login["status"], login["level"]) == ("GET", 200, "INFO")
    assert isinstance(login["duration_ms"], float)
    assert "timestamp" in login
    styles = next(r for r in requests if r["path"].startswith("/static/css/app."))
    assert re.fullmatch(r"[0-9a-f]{32}", styles["request_id"])
    # gunicorn's own lines are JSON too; only probes stay out of the request log
    text = [ln for ln in log.read_text().splitlines() if ln.strip() and not ln.startswith("{")]
    assert text == []
    assert not any(r.get("path") == "/healthz" for r in requests)
