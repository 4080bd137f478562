"""Browser tests: Playwright on Debian's Chromium (/usr/bin/chromium) against live_server.

pytest-playwright's own launch options look for a downloaded browser; this overrides them
with the system Chromium (never run `playwright install`). Playwright's sync API runs an
event loop, so Django's async-safety check is relaxed for the live server's database use.
"""

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes

from tests import factories
from tests.conftest import _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _chromium_gate(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser") and not Path(CHROMIUM).is_file():
        _unavailable(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _role_groups(request: pytest.FixtureRequest) -> None:
    """Recreate the role groups of the data migration: a transactional test before this one
    may have flushed them (groups are data, not schema)."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    # The permissions themselves may be gone too (a flush before this test): make them again
    # (idempotent), so a role's group never comes back without, say, `backfill`.
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    # Every app's data migrations again: the roles' permissions come from more than one
    # (handoff's workflow permissions, metrics' targets), all idempotent.
    factories.run_data_migrations()
    roles = importlib.import_module("handoff.migrations.0002_roles")
    for role, by_app in roles.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests save screenshots: $ARTIFACTS_DIR, default test-artifacts/screenshots."""
    path = Path(os.environ.get("ARTIFACTS_DIR", "test-artifacts/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def login(live_server):
    """log_in(page, user): sign in through the real login form (password "pass12345")."""

    def log_in(page, user, password: str = "pass12345") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.get_username())
        page.fill("input[name=password]", password)
        page.locator("form:has(input[name=password]) [type=submit]").click()
        page.wait_for_load_state()

    return log_in


AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def assert_accessible():
    """assert_accessible(page): axe-core (from npm) finds no WCAG 2 A/AA violation on the page.

    The script is evaluated through the DevTools protocol, so the page's own
    Content-Security-Policy does not have to allow it.
    """
    source = AXE_JS.read_text(encoding="utf-8")

    def check(page, *, context: str = "") -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        result = page.evaluate(
            "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in result["violations"]
        ]
        assert problems == [], f"axe-core on {context or page.url}: " + "; ".join(problems)

    return check
