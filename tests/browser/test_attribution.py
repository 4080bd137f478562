"""The attribution page in a browser: a manager opens it from the dashboard, switches to
channels and to one figure, exports; axe-core passes at desktop width and at 390 px, where
the table scrolls inside its container and the page does not. Screenshots: $ARTIFACTS_DIR."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from handoff import services as flow
from leads.models import Channel, Opportunity, TouchKind
from leads.touches import NewTouch, record_touches
from tests.factories import CampaignFactory, lead_in_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def story(marketer, rep, manager):
    """Three deals won today: paid search captured each; two met the webinar afterwards."""
    search = CampaignFactory(name="Search ads", channel=Channel.PAID_SEARCH)
    webinar = CampaignFactory(name="Spring webinar", channel=Channel.WEBINAR)
    for i in range(3):
        lead = lead_in_state("converted", marketer=marketer, rep=rep, campaign=search)
        if i < 2:
            record_touches([NewTouch(lead.pk, webinar.pk, lead.created_at, TouchKind.FORM)])
        opp = Opportunity.objects.get(lead=lead)
        flow.opportunity_win(opportunity_id=opp.pk, actor=manager, amount="9000")
    return {"search": search, "webinar": webinar}


def test_manager_compares_models_per_campaign_and_channel(
    page: Page, live_server, login, manager, story, assert_accessible, artifacts_dir
):
    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")
    page.click("#attribution-link")
    expect(page.locator("h1")).to_contain_text("Attribution")
    table = page.locator(".table-attribution")
    row = table.locator("tbody tr", has_text="Spring webinar")
    # first touch: nothing for the webinar; last touch: both deals it touched
    expect(row.locator('td[data-model="first_touch"][data-key="customers"]')).to_have_text("0.0000")
    last = row.locator('td[data-model="last_touch"][data-key="customers"]')
    expect(last).to_contain_text("2.0000")
    expect(last).to_contain_text("more than first touch")
    assert_accessible(page, context="attribution, desktop")
    page.screenshot(path=str(artifacts_dir / "attribution-campaigns.png"), full_page=True)

    page.click("#by-channel")
    expect(page.locator("#attribution-title")).to_have_text("Per channel")
    expect(table.locator("tbody tr", has_text="Webinar")).to_be_visible()
    page.click("#show-customers")
    expect(page.locator("#show-customers")).to_have_attribute("aria-current", "true")
    assert table.locator("thead tr").nth(1).locator("th").count() == 5  # one per model
    with page.expect_download() as download:
        page.click("#attribution-export")
    assert download.value.suggested_filename.startswith("attribution-channel-")

    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#show-all")
    assert_accessible(page, context="attribution, 390 px")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth,"
        " document.querySelector('.attribution-scroll').scrollWidth,"
        " document.querySelector('.attribution-scroll').clientWidth]"
    )
    assert widths[0] <= 390, widths  # the page itself does not scroll sideways
    assert widths[1] > widths[2], widths  # the table scrolls inside its container
    page.screenshot(path=str(artifacts_dir / "attribution-390.png"), full_page=True)
    assert timezone.localdate() >= dt.date(2026, 1, 1)
