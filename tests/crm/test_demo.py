"""`make demo` in small: migrate, seed, serve; the demo logins work against the server."""

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request

from tests.crm.stack import ROOT, free_port, stop, wait_for


def test_seeded_demo_server_answers_and_its_printed_login_works(sqlite_env):
    # Given a migrated database seeded like `make demo` (fewer leads, same code path)
    seeded = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--leads", "200"],
        cwd=ROOT,
        env=sqlite_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "http://127.0.0.1:8000/" in seeded.stdout
    password = re.search(r"password `([^`]+)`", seeded.stdout).group(1)
    assert "manager" in seeded.stdout and "rep1" in seeded.stdout

    # When the development server serves it
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=sqlite_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", server)
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = browser.open(f"{base}/accounts/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode(
            {"username": "manager", "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
        )
        # Then the manager signs in with the printed password and lands on the dashboard
        landing = browser.open(request, timeout=30)
        assert landing.status == 200
        assert landing.url.rstrip("/").endswith("/dashboard") or "dashboard" in landing.url
        page = landing.read().decode()
        assert "Sign out" in page
        assert "Google Ads - Brand" in page  # the seeded campaigns in the breakdown
    finally:
        stop(server)
