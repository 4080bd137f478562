"""The diagnosis in a browser: the dashboard's panel and the diagnosis page draw the
waterfall from a two-month story, pass axe-core, and fit a 390 px phone.

Screenshots go to $ARTIFACTS_DIR; with DOCS_SCREENSHOTS=1 the page's is also written to
docs/diagnosis.png (`DOCS_SCREENSHOTS=1 .venv/bin/python -m pytest
tests/browser/test_diagnosis.py`).
"""

import datetime as dt
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from handoff import services as flow
from leads.models import Channel
from metrics import refresh
from metrics.dateranges import add_months, month_start
from tests.factories import CampaignFactory, UserFactory

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# (campaign, rep, response hours, outcome, amount) per lead; outcome "new" stays a lead.
BEFORE = [
    (0, 0, None, "new", 0),
    (1, 1, None, "new", 0),
    (0, 0, 0.5, "won", 6000),
    (1, 1, 2, "won", 5000),
    (2, 0, 3, "won", 7000),
    (0, 1, 6, "lost", 0),
    (1, 0, 1.5, "open", 3000),
    (0, 0, 0.5, "accepted", 0),
    (1, 1, 30, "no_budget", 0),  # recycled and won next month by the other rep
    (2, 1, 5, "accepted", 0),
    (1, 0, 2, "not_a_fit", 0),
    (0, 1, 20, "accepted", 0),
]
LAST = [
    (0, 0, None, "new", 0),
    (1, 1, None, "new", 0),
    (1, 0, None, "new", 0),
    (2, 1, None, "new", 0),
    (1, 1, 30, "no_budget", 0),
    (1, 1, 40, "not_a_fit", 0),
    (0, 0, 1, "won", 8000),
    (1, 1, 26, "lost", 0),
    (2, 0, 3, "accepted", 0),
    (1, 1, 50, "bad_timing", 0),
    (0, 0, 0.5, "open", 2000),
    (1, 1, 28, "no_budget", 0),
    (2, 0, 2, "accepted", 0),
    (0, 1, 10, "lost", 0),
]


def _month(first: dt.date, story, campaigns, reps, manager, tag: str) -> list:
    zone = ZoneInfo(settings.TIME_ZONE)
    leads = []
    for i, (c, r, hours, outcome, amount) in enumerate(story):
        start = dt.datetime.combine(first + dt.timedelta(days=i), dt.time(9), tzinfo=zone)
        lead = flow.lead_capture(
            actor=manager,
            email=f"{tag}{i}@example.com",
            first_name=f"Lead{i}",
            last_name=tag.title(),
            campaign_id=campaigns[c].pk,
            created_at=start,
        )
        leads.append(lead)
        if outcome == "new":
            continue
        flow.lead_qualify(lead_id=lead.pk, actor=manager, at=start + dt.timedelta(hours=1))
        handed = start + dt.timedelta(hours=2)
        flow.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=reps[r].pk, at=handed)
        answered = handed + dt.timedelta(hours=hours)
        if outcome in ("no_budget", "not_a_fit", "bad_timing"):
            flow.lead_reject(lead_id=lead.pk, actor=manager, reason=outcome, rating=2, at=answered)
            continue
        flow.lead_accept(lead_id=lead.pk, actor=manager, rating=4, at=answered)
        if outcome == "accepted":
            continue
        opened = answered + dt.timedelta(days=1)
        opportunity = flow.lead_convert(
            lead_id=lead.pk, actor=manager, amount=str(amount or 1000), at=opened
        )
        closed = opened + dt.timedelta(days=5)
        if outcome == "won":
            flow.opportunity_win(opportunity_id=opportunity.pk, actor=manager, at=closed)
        elif outcome == "lost":
            flow.opportunity_lose(
                opportunity_id=opportunity.pk, actor=manager, reason="competitor", at=closed
            )
    return leads


@pytest.fixture
def story(manager):
    """The month before last and last month; last month has more leads, slower answers,
    more rejections and less revenue."""
    reps = [
        UserFactory(role="sales", first_name=first, last_name=last)
        for first, last in (("Lucía", "Moreno"), ("Tom", "Baker"))
    ]
    last = add_months(month_start(timezone.localdate()), -1)
    before = add_months(last, -1)
    campaigns = [
        CampaignFactory(name="Spring webinar series", channel=Channel.WEBINAR, start_date=before),
        CampaignFactory(
            name="Search: CRM software", channel=Channel.PAID_SEARCH, start_date=before
        ),
        CampaignFactory(name="Partner referrals", channel=Channel.PARTNER, start_date=before),
    ]
    early = _month(before, BEFORE, campaigns, reps, manager, "early")
    _month(last, LAST, campaigns, reps, manager, "late")
    # the lead rejected for "no budget" comes back and is won by the other rep
    zone = ZoneInfo(settings.TIME_ZONE)
    back = dt.datetime.combine(last + dt.timedelta(days=15), dt.time(9), tzinfo=zone)
    lead = early[8]
    flow.lead_recycle(lead_id=lead.pk, actor=manager, at=back)
    flow.lead_qualify(lead_id=lead.pk, actor=manager, at=back + dt.timedelta(hours=1))
    flow.lead_handoff(
        lead_id=lead.pk, actor=manager, assignee_id=reps[0].pk, at=back + dt.timedelta(hours=2)
    )
    flow.lead_accept(lead_id=lead.pk, actor=manager, rating=5, at=back + dt.timedelta(hours=3))
    opp = flow.lead_convert(
        lead_id=lead.pk, actor=manager, amount="4000", at=back + dt.timedelta(days=1)
    )
    flow.opportunity_win(opportunity_id=opp.pk, actor=manager, at=back + dt.timedelta(days=4))
    refresh.recompute_all()
    return {"reps": reps, "campaigns": campaigns}


def _save(page: Page, folder: Path, name: str, *, docs: bool = False, **kwargs) -> None:
    path = folder / name
    page.screenshot(path=str(path), **kwargs)
    print(f"screenshot: {path.resolve()}")
    if docs and os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / "diagnosis.png")
        print(f"docs: {(DOCS / 'diagnosis.png').resolve()}")


def _chart_drawn(page: Page, canvas: str) -> None:
    page.wait_for_function(
        "id => { const c = document.getElementById(id);"
        " return c && window.Chart && window.Chart.getChart(c) !== undefined; }",
        arg=canvas,
    )


def test_dashboard_panel_and_diagnosis_page(
    page: Page, live_server, login, manager, story, artifacts_dir: Path, assert_accessible
):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, manager)

    # The dashboard, last month against the month before: the panel draws the waterfall
    page.goto(f"{live_server.url}/dashboard/?preset=last_month")
    panel = page.locator("#diagnosis")
    expect(panel.locator("#panel-diagnosis-headline")).to_contain_text("Revenue fell $6,000")
    _chart_drawn(page, "panel-diagnosis-chart")
    expect(panel.locator("tr[data-factor]")).to_have_count(6)
    assert_accessible(page, context="dashboard with the diagnosis panel")
    panel.scroll_into_view_if_needed()
    _save(page, artifacts_dir, "diagnosis-panel.png", full_page=False)

    # A new period swaps the dashboard body in place (htmx): this month has no revenue, so
    # the panel gives the reason; back to last month, the waterfall is drawn again
    page.get_by_label("Period").select_option("this_month")
    page.locator("#dashboard-apply").click()
    expect(page.locator("#panel-diagnosis-reason")).to_be_visible()
    expect(page.locator("#panel-diagnosis-chart")).to_have_count(0)
    page.get_by_label("Period").select_option("last_month")
    page.locator("#dashboard-apply").click()
    expect(page.locator("#panel-diagnosis-headline")).to_contain_text("Revenue fell $6,000")
    _chart_drawn(page, "panel-diagnosis-chart")
    panel = page.locator("#diagnosis")

    # The panel opens the page for the same two ranges
    panel.get_by_role("link", name="Open the diagnosis").click()
    page.wait_for_load_state()
    expect(page.locator("#page-diagnosis-headline")).to_contain_text("Revenue fell $6,000")
    _chart_drawn(page, "page-diagnosis-chart")
    expect(page.locator("#evidence-speed tr[data-bucket]")).to_have_count(4)
    no_budget = page.locator('#evidence-rejected-won tr[data-reason="no_budget"] td')
    expect(no_budget.nth(1)).to_have_text("2")
    expect(page.locator("#evidence-campaign-rep tbody tr")).to_have_count(3)
    assert_accessible(page, context="diagnosis page")
    _save(page, artifacts_dir, "diagnosis.png", docs=True, full_page=True)

    # On a 390 px phone: no sideways scrolling, still accessible
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _chart_drawn(page, "page-diagnosis-chart")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling at 390 px"
    assert_accessible(page, context="diagnosis page at 390 px")
    _save(page, artifacts_dir, "diagnosis-phone.png", full_page=True)
    page.goto(f"{live_server.url}/dashboard/?preset=last_month")
    _chart_drawn(page, "panel-diagnosis-chart")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert errors == []


def test_campaign_page_draws_the_quality_trend(
    page: Page, live_server, login, marketer, story, artifacts_dir: Path, assert_accessible
):
    login(page, marketer)
    page.goto(f"{live_server.url}/campaigns/?sort=-quality")
    expect(page.locator("#quality-column")).to_have_attribute("aria-sort", "descending")
    assert_accessible(page, context="campaign list sorted by quality")
    search = story["campaigns"][1]
    page.goto(f"{live_server.url}/campaigns/{search.pk}/")
    expect(page.locator("#quality-score")).to_be_visible()
    _chart_drawn(page, "quality-trend")
    expect(page.locator("#quality-reasons li").first).to_contain_text("No budget")
    assert_accessible(page, context="campaign page with its quality")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    _save(page, artifacts_dir, "campaign-quality-phone.png", full_page=True)
