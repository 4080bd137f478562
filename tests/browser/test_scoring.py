"""The lead score model page in a browser: a manager opens it from the settings hub, sees
the figures, the lift and calibration charts and the history, trains again, and the page
passes axe-core and fits a 390 px phone; the lead list shows the predicted score with its
reasons. Screenshots go to $ARTIFACTS_DIR."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from scoring import training
from tests.scoring.generator import generate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _chart_drawn(page: Page, canvas: str) -> None:
    page.wait_for_function(
        "id => { const c = document.getElementById(id);"
        " return c && window.Chart && window.Chart.getChart(c) !== undefined; }",
        arg=canvas,
    )


def _save(page: Page, folder: Path, name: str, **kwargs) -> None:
    path = folder / name
    page.screenshot(path=str(path), **kwargs)
    print(f"screenshot: {path.resolve()}")


def test_model_page_and_the_predicted_score_on_the_lead_list(
    page: Page, live_server, login, manager, artifacts_dir: Path, assert_accessible
):
    generate(1500, seed=13)
    run = training.train()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, manager)

    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Lead score model").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Lead score model")
    expect(page.locator("#fig-examples")).to_have_text("1,500")
    expect(page.locator("#fig-auc")).not_to_have_text("—")
    _chart_drawn(page, "lift-chart")
    _chart_drawn(page, "calibration-chart")
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    assert_accessible(page, context="model page")
    _save(page, artifacts_dir, "scoring-model.png", full_page=True)

    # Train now: a second run (as good) becomes current and joins the history
    page.locator("#train-now").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Training queued")
    expect(page.locator("#history-table tbody tr")).to_have_count(2)
    expect(page.locator("#figures-title")).to_contain_text(str(run.version + 1))

    # At 390 px: no sideways scrolling, still accessible
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _chart_drawn(page, "lift-chart")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling at 390 px"
    assert_accessible(page, context="model page at 390 px")
    _save(page, artifacts_dir, "scoring-model-phone.png", full_page=True)

    # The lead list, highest predicted score first, with reasons
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/leads/?sort=predicted&predicted_min=30")
    first = page.locator("#lead-table tbody tr").first
    expect(first.locator(".predicted-score")).to_be_visible()
    expect(first.locator(".score-reasons li").first).to_be_visible()
    assert_accessible(page, context="lead list sorted by predicted score")
    _save(page, artifacts_dir, "scoring-lead-list.png", full_page=False)
    assert errors == []
