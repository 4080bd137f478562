"""A rep works the inbox and the pipeline in a real browser; the manager's shared dashboard
moves with it (checked against metrics.selectors.kpi_summary) and exports a CSV."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads import services as leads_services
from metrics import kpis, selectors
from tests.factories import CampaignFactory, lead_in_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _this_month() -> dict:
    """The dashboard's default range: the last 30 days."""
    today = timezone.localdate()
    return kpis.format_for_api(
        selectors.kpi_summary(start=today - dt.timedelta(days=29), end=today)
    )


def _tile(page: Page, key: str) -> str:
    return page.locator(f'[data-kpi="{key}"]').get_attribute("data-value") or ""


def _shown(expected) -> str:
    return "" if expected is None else str(expected)


def _check_tiles_against_summary(page: Page, keys: list[str]) -> dict[str, str]:
    summary = _this_month()
    seen = {}
    for key in keys:
        seen[key] = _tile(page, key)
        assert seen[key] == _shown(summary[key]), key
    return seen


@pytest.fixture
def story(marketer, rep):
    """A campaign (with a name a spreadsheet would run) and three leads handed to the rep."""
    campaign = CampaignFactory(name="=Spring webinar")
    leads_services.campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=timezone.localdate(), amount=Decimal("300")
    )
    leads = [
        lead_in_state(
            "handed_off",
            marketer=marketer,
            rep=rep,
            campaign=campaign,
            email=f"{name.lower()}@example.com",
            first_name=name,
            last_name="Buyer",
            company=f"{name} Ltd",
        )
        for name in ("Ana", "Ben", "Cleo")
    ]
    return {"campaign": campaign, "leads": leads}


KEYS = ["leads", "handoffs", "accepted", "rejected", "opportunities", "customers", "revenue"]


def test_rep_works_the_inbox_and_the_manager_sees_it_on_the_dashboard(
    page: Page,
    browser,
    live_server,
    login,
    artifacts_dir: Path,
    story,
    rep,
    manager,
    assert_accessible,
) -> None:
    ana, ben, _cleo = story["leads"]

    # Given the manager's dashboard before the rep answers anything
    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")
    before = _check_tiles_against_summary(page, KEYS)
    assert_accessible(page)
    assert (before["leads"], before["accepted"], before["customers"]) == ("3", "0", "0")
    page.context.clear_cookies()

    # When the rep opens the inbox, the three leads are there with their SLA clocks
    login(page, rep)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("#inbox-pending .inbox-row")).to_have_count(3)
    expect(page.locator(f"#lead-row-{ana.pk} .countdown")).to_contain_text("Due in")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "sales-inbox.png"), full_page=True)

    # ... rejects Ana with a reason, a rating and feedback, without leaving the page
    row = page.locator(f"#lead-row-{ana.pk}")
    row.get_by_role("link", name=re.compile("^Answer")).click()  # the forms load on demand
    row.locator("summary", has_text="Reject").click()
    box = row.locator("details.reject-box")
    box.get_by_label("Reason").select_option("no_budget")
    box.get_by_label("Lead quality").select_option("2")
    box.get_by_label("Feedback for marketing").fill("No budget until next year")
    box.get_by_role("button", name="Reject and tell marketing").click()
    expect(page.locator(f"#lead-row-{ana.pk} .row-notice")).to_contain_text("Rejected")
    assert page.url.endswith("/inbox/")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "sales-rejected.png"), full_page=True)

    # ... accepts Ben in one click (with a rating) and converts him
    row = page.locator(f"#lead-row-{ben.pk}")
    row.get_by_role("link", name=re.compile("^Answer")).click()
    row.locator(f"#id_accept-{ben.pk}-rating").select_option("4")
    row.get_by_role("button", name="Accept").click()
    row = page.locator(f"#lead-row-{ben.pk}")
    expect(row.locator(".row-notice")).to_contain_text("Accepted")
    row.get_by_label("Expected amount").fill("5000")
    row.get_by_label("Opportunity name").fill("Ben Ltd rollout")
    row.get_by_role("button", name="Open the opportunity").click()
    expect(page.locator(f"#lead-row-{ben.pk} .row-notice")).to_contain_text("Ben Ltd rollout")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "sales-converted.png"), full_page=True)

    # ... and wins the deal on the pipeline board
    page.goto(f"{live_server.url}/pipeline/")
    card = page.locator(".opp-card", has_text="Ben Ltd rollout")
    card.locator("summary", has_text="Won").click()
    card.get_by_label("Final amount").fill("6000")
    card.get_by_role("button", name="Mark as won").click()
    won = page.locator('section[aria-labelledby="col-won"] .opp-card', has_text="Ben Ltd rollout")
    expect(won).to_be_visible()
    expect(won.locator(".row-notice")).to_contain_text("Won")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "sales-pipeline.png"), full_page=True)
    page.context.clear_cookies()

    # Then the manager's dashboard has moved, and equals kpi_summary for the month
    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")
    after = _check_tiles_against_summary(page, KEYS)
    assert after["leads"] == "3"
    assert (after["accepted"], after["rejected"], after["customers"]) == ("1", "1", "1")
    assert after["revenue"] == "6000.00"
    assert page.locator('#rejections tr[data-reason="no_budget"]').count() == 1
    funnel_customers = page.locator('#funnel li[data-step="customers"] .funnel-value')
    expect(funnel_customers).to_have_text("1")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)

    # ... and exports the campaign table as CSV, formulas neutralised
    with page.expect_download() as download_info:
        page.locator("#breakdown-campaign").get_by_role(
            "link", name=re.compile("Export CSV")
        ).click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    spring = next(r for r in rows[1:] if r[header.index("name")] == "'=Spring webinar")
    summary = _this_month()
    assert spring[header.index("leads")] == str(summary["leads"])
    assert spring[header.index("customers")] == "1"
    assert spring[header.index("revenue")] == "6000.00"


def test_pages_fit_a_phone_and_are_keyboard_usable(
    page: Page, live_server, login, artifacts_dir: Path, story, rep, manager, assert_accessible
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, rep)
    page.goto(f"{live_server.url}/inbox/")

    # No sideways scrolling on a phone
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "sales-inbox-phone.png"), full_page=True)

    # The reject form opens from the keyboard and its first control takes focus next
    ana = story["leads"][0]
    answer = page.locator(f"#lead-row-{ana.pk}").get_by_role("link", name=re.compile("^Answer"))
    answer.focus()
    page.keyboard.press("Enter")
    summary = page.locator(f"#lead-row-{ana.pk} summary", has_text="Reject")
    expect(summary).to_be_visible()
    # the row is swapped in by htmx: let it settle before moving the focus inside it
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#lead-row-{ana.pk}.htmx-settling")).to_have_count(0)
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#lead-row-{ana.pk} details.reject-box")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == f"id_reject-{ana.pk}-reason"
    # Every control on the page has a label
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    assert unlabeled == []
    page.context.clear_cookies()

    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator('[data-kpi="leads"]')).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "dashboard-phone.png"), full_page=True)


def test_dashboard_filters_swap_in_place_and_bad_dates_keep_what_was_typed(
    page: Page, live_server, login, artifacts_dir: Path, story, manager, assert_accessible
) -> None:
    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From", exact=True).fill("2026-03-10")
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#field-end .errorlist")).to_contain_text("on or after the first day")
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-03-10")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "dashboard-bad-range.png"), full_page=True)

    page.get_by_label("Period").select_option("last_12_months")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-kpi="leads"]')).to_have_attribute("data-value", "3")
    assert "preset=last_12_months" in page.url
    # The charts were drawn from the local Chart.js
    assert page.evaluate("typeof window.Chart") == "function"
    page.wait_for_function("!!window.Chart.getChart(document.getElementById('chart-leads-cpl'))")
