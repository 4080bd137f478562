"""The lead page's journey in a real browser: a manager on a phone adds a touch and finds
it in the journey, oldest first; the page fits 390 px and passes axe-core."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from handoff import services
from tests.factories import CampaignFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_adds_a_touch_on_a_phone(
    page: Page, live_server, login, artifacts_dir: Path, assert_accessible, manager
) -> None:
    # Given a lead captured from a webinar, and an event campaign
    webinar = CampaignFactory(name="Spring webinar", channel="webinar")
    CampaignFactory(name="Trade fair", channel="events")
    lead = services.lead_capture(actor=manager, email="ada@example.com", campaign_id=webinar.pk)
    # When the manager opens the lead on a phone and adds a touch of the trade fair
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    page.get_by_text("Add a touch", exact=True).click()
    page.select_option("#id_touch-campaign", label="Trade fair")
    page.locator("#touch-form [type=submit]").click()
    page.wait_for_load_state()
    # Then the journey lists the capture first, then the trade fair (kind Manual)
    items = page.locator("#lead-journey li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Spring webinar")
    expect(items.nth(1)).to_contain_text("Trade fair")
    expect(items.nth(1)).to_contain_text("Manual")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(page, context="lead page with its journey, 390 px")
    page.screenshot(path=str(artifacts_dir / "lead-journey-phone.png"), full_page=True)
