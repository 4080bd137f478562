"""The dashboard's stale-numbers warning in a real browser: readable on a phone (390 px,
no sideways scrolling) and clean under axe-core."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from metrics import refresh
from metrics.models import DirtyCell

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_stale_warning_fits_a_phone_and_passes_axe(
    page: Page, live_server, login, artifacts_dir: Path, assert_accessible, manager
) -> None:
    # Given a refresh that ran and a cell that keeps failing
    refresh.refresh_dirty()
    manager.is_staff = True
    manager.save()
    DirtyCell.objects.create(
        day=dt.date(2026, 1, 10),
        dimension="campaign",
        ref=7,
        attempts=3,
        last_error="ValueError: year -1 is out of range " + "x" * 150,
        retry_at=timezone.now() + dt.timedelta(minutes=4),
    )
    # When the manager opens the dashboard on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")
    # Then the warning is shown, fits the screen and passes axe-core
    warning = page.locator("#kpi-freshness")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("could not be refreshed")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(page, context="dashboard with a stale warning")
    page.screenshot(path=str(artifacts_dir / "dashboard-stale-phone.png"), full_page=True)
