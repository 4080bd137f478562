"""Take the docs screenshots of the sales inbox and the dashboard from the demo data.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py runserver 127.0.0.1:8765 &
    .venv/bin/python docs/make_screenshots.py http://127.0.0.1:8765

Writes docs/screenshot-sales.png (rep1's inbox) and docs/screenshot-dashboard.png (the
manager's dashboard, last 12 months), with Debian's Chromium at /usr/bin/chromium.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
PASSWORD = "demo12345"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def main(url: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for user, path, name in (
            ("rep1", "/inbox/", "screenshot-sales.png"),
            ("manager", "/dashboard/?preset=last_12_months", "screenshot-dashboard.png"),
        ):
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{url}/accounts/login/")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", PASSWORD)
            page.locator("form:has(input[name=password]) [type=submit]").click()
            page.wait_for_load_state()
            page.goto(f"{url}{path}")
            page.wait_for_load_state("networkidle")
            if "dashboard" in path:
                page.wait_for_function(
                    "!!window.Chart"
                    " && !!window.Chart.getChart(document.getElementById('chart-cac'))"
                )
            # The inbox is a long list: its first screen shows what a rep sees.
            page.screenshot(path=str(DOCS / name), full_page="dashboard" in path)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
