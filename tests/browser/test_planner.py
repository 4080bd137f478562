"""The planner in a browser: enter a goal, override a rate, preview, save, see progress;
the targets grid; axe-core on every page; screenshots (one at 390 px wide).

Screenshots go to $ARTIFACTS_DIR; with DOCS_SCREENSHOTS=1 the planner's is also written
to docs/planner.png (how the README image is made).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

from alignment.models import Plan
from metrics import refresh
from tests.metrics.conftest import history, new_york  # noqa: F401  (fixtures reused)

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def planned_history(history):  # noqa: F811
    """The hand-computed history with its rollups, and the managers' target permissions
    (a data migration's rows, which a transactional test may have flushed)."""
    managers = Group.objects.get(name="manager")
    managers.permissions.add(
        *Permission.objects.filter(content_type__app_label="metrics", codename__endswith="_target")
    )
    refresh.recompute_all()
    return history


def test_manager_plans_from_measured_rates_and_sees_progress(
    page: Page, live_server, login, manager, planned_history, artifacts_dir, assert_accessible
):
    # Given a manager on the planner
    login(page, manager)
    page.goto(f"{live_server.url}/plans/new/")
    assert_accessible(page, context="planner")
    # When they enter a goal, a look-back and override the win rate, then preview
    page.fill("#id_name", "Q2 pipeline")
    page.fill("#id_revenue_goal", "20000")
    page.fill("#id_start", "2026-04-01")
    page.fill("#id_end", "2026-06-30")
    page.fill("#id_lookback_start", "2026-01-01")
    page.fill("#id_lookback_end", "2026-02-28")
    page.fill("#id_override_win_rate", "0.5")
    page.click("#plan-preview")
    # Then the reverse funnel answers without a page load: 4 customers, 8 opportunities
    expect(page.locator("#plan-needed [data-figure=opportunities] td")).to_have_text("8")
    expect(page.locator("#plan-needed [data-figure=leads] td")).to_have_text("20")
    expect(page.locator("#plan-rates [data-rate=win_rate]")).to_contain_text("override")
    expect(page.locator("#plan-chart-canvas")).to_be_visible()
    assert not Plan.objects.exists()
    assert_accessible(page, context="planner with an answer")
    shot = artifacts_dir / "planner.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("DOCS_SCREENSHOTS"):
        shutil.copy(shot, DOCS / "planner.png")
    # When they save
    page.click("#plan-save")
    page.wait_for_url("**/plans/*/")
    # Then the plan's page shows progress against each needed figure
    plan = Plan.objects.get()
    assert plan.answer["rates"]["win_rate"]["source"] == "override"
    expect(page.locator("#plan-progress [data-figure=leads]")).to_contain_text("20")
    assert_accessible(page, context="plan page")
    page.screenshot(path=str(artifacts_dir / "plan-progress.png"), full_page=True)
    # And at 390 px wide the page still works
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#plan-progress")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(artifacts_dir / "plan-progress-390.png"), full_page=True)
    # The plans list and the targets grid (the plan wrote its targets)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/plans/")
    expect(page.locator("#plan-list")).to_contain_text("Q2 pipeline")
    assert_accessible(page, context="plans list")
    page.goto(f"{live_server.url}/targets/?year=2026")
    expect(page.locator("#cell-leads-2026-05")).not_to_have_value("")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert_accessible(page, context="targets grid")
    page.screenshot(path=str(artifacts_dir / "targets.png"), full_page=True)
    # and a planner still fits a 390 px phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plans/new/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(artifacts_dir / "planner-390.png"), full_page=True)


def test_missing_rate_reads_as_a_sentence(
    page: Page, live_server, login, manager, planned_history, assert_accessible
):
    login(page, manager)
    page.goto(f"{live_server.url}/plans/new/")
    page.fill("#id_revenue_goal", "20000")
    page.fill("#id_lookback_start", "2026-02-01")
    page.fill("#id_lookback_end", "2026-02-28")
    page.click("#plan-preview")
    expect(page.locator(".plan-problems")).to_contain_text(
        "Accepted to opportunity is missing: no handoff was accepted in the look-back"
    )
    assert_accessible(page, context="planner with a missing rate")
