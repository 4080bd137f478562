"""The marketing story in a real browser, in English and in Spanish: a marketer creates a
campaign, logs spend, imports a CSV with bad rows (sees the report; the good rows are in),
qualifies and hands off the leads; after a rep's answer, the campaign page shows the rep's
feedback and the shell shows the unread notification."""

import importlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from handoff import services
from leads.models import Campaign, CampaignCost, Lead, LeadStatus

ROLES_MIGRATION = importlib.import_module("handoff.migrations.0002_roles")


@pytest.fixture(autouse=True)
def _roles(transactional_db) -> None:
    """The role groups again: a live-server test's flush can leave the next one without
    the rows of data migrations (serialized_rollback does not always bring them back)."""
    for role, by_app in ROLES_MIGRATION.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CSV = (
    "Email,First name,Last name,Company,Country,Score\n"
    "ana@example.com,Ana,García,Acme,ES,70\n"
    "not-an-email,Bob,Stone,Beta,US,10\n"
    "carl@example.com,Carl,Ray,Gamma,Atlantis,20\n"
    "dee@example.com,Dee,Old,Delta,FR,30\n"
    "eve@example.com,Eve,Moss,Epsilon,Spain,150\n"
    "fay@example.com,Fay,Lu,Zeta,,\n"
)


def label(text: str) -> re.Pattern:
    """A field's label, with or without the required mark after it."""
    return re.compile(rf"^\s*{re.escape(text)}(\s*\*)?\s*$")


class Shots:
    """Numbered full-page screenshots of one test into the artifacts folder."""

    def __init__(self, page: Page, folder: Path, prefix: str) -> None:
        self.page, self.folder, self.prefix, self.n = page, folder, prefix, 0
        print(f"screenshots: {folder.resolve()}")

    def __call__(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(
            path=str(self.folder / f"{self.prefix}-{self.n:02d}-{name}.png"), full_page=True
        )


@pytest.mark.parametrize("language", ["en", "es"])
def test_marketer_runs_a_campaign_from_spend_to_sales_feedback(
    page: Page,
    live_server,
    login,
    marketer,
    rep,
    artifacts_dir: Path,
    language: str,
    assert_accessible,
):
    def t(text: str) -> str:
        with translation.override(language):
            return gettext(text)

    def field(verbose_name: str) -> str:
        """A model field's form label: its translated verbose name, capitalised."""
        return capfirst(verbose_name)

    shot = Shots(page, artifacts_dir, f"marketing-story-{language}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(10_000)

    # Given a marketer who signs in (the sign-in page passes axe too) and picks the language
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    login(page, marketer)
    if language != "en":
        page.select_option("#language-select", language)
        page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=t("No campaigns yet"))).to_be_visible()
    assert_accessible(page)
    shot("empty-workspace")
    # (the keyboard reaches the skip link first, and it leads to the page's content)
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # When they create a campaign (a bad end date first: the form keeps the input)
    page.get_by_role("link", name=t("New campaign")).first.click()
    page.get_by_label(label(field(t("name")))).fill("Spring Fair")
    page.get_by_label(label(field(t("channel")))).select_option("events")
    page.get_by_label(label(field(t("start date")))).fill("2026-03-01")
    page.get_by_label(label(field(t("end date")))).fill("2026-02-01")
    page.get_by_role("button", name=t("Create the campaign")).click()
    expect(page.get_by_text(t("The end date cannot be before the start date."))).to_be_visible()
    expect(page.get_by_label(label(field(t("name"))))).to_have_value("Spring Fair")
    assert_accessible(page)
    shot("campaign-form-error")
    page.get_by_label(label(field(t("end date")))).fill("2026-06-30")
    page.get_by_role("button", name=t("Create the campaign")).click()
    campaign = Campaign.objects.get(name="Spring Fair")

    # and log spend on it
    expect(page.get_by_role("heading", name=t("Log spend"))).to_be_visible()
    page.get_by_label(label(field(t("date")))).fill("2026-03-02")
    page.get_by_label(label(field(t("amount")))).fill("1500")
    page.get_by_label(label(field(t("note")))).fill("Booth")
    page.get_by_role("button", name=t("Add the spend entry")).click()
    expect(page.locator("#spend-table")).to_contain_text("Booth")
    expected_money = "1.500,00\xa0US$" if language == "es" else "$1,500.00"
    expect(page.locator("#spend-table")).to_contain_text(expected_money)
    assert CampaignCost.objects.get(campaign=campaign).amount == 1500
    assert_accessible(page)
    shot("spend-logged")

    # and import a CSV with bad rows into that campaign
    page.locator(".main-nav").get_by_role("link", name=t("Import")).click()
    page.get_by_label(label(t("CSV file"))).set_input_files(
        {"name": "fair.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_label(label(t("Campaign for every row"))).select_option(str(campaign.pk))
    page.get_by_role("button", name=t("Upload and map the columns")).click()
    expect(page.get_by_label(label(t("Email")))).to_have_value("Email")
    assert_accessible(page)
    shot("import-mapping")
    page.get_by_role("button", name=t("Start the import")).click()

    # Then the report lists each bad row with its line, and the good rows are leads
    expect(page.locator("#import-status")).to_have_text(t("Done"), timeout=20_000)
    expect(page.locator("#import-created")).to_have_text("3")
    expect(page.locator("#import-invalid")).to_have_text("3")
    report = page.locator("#import-report")
    for line in ("3", "4", "6"):
        expect(report.locator("td.num", has_text=re.compile(f"^{line}$"))).to_have_count(1)
    assert_accessible(page)
    shot("import-report")
    imported = Lead.objects.filter(campaign=campaign)
    assert set(imported.values_list("email", flat=True)) == {
        "ana@example.com",
        "dee@example.com",
        "fay@example.com",
    }

    # When they qualify all three at once, then hand them off to the rep
    page.locator(".main-nav").get_by_role("link", name=t("Leads")).click()
    page.get_by_label(label(t("Campaign"))).select_option(str(campaign.pk))
    page.get_by_role("button", name=t("Search")).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#lead-table tbody tr")).to_have_count(3)
    page.locator("#select-all").check()
    page.get_by_label(label(t("Action"))).select_option("qualify")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Apply to the ticked leads")).click()
    expect(page.locator(".messages")).to_contain_text("3")
    assert set(imported.values_list("status", flat=True)) == {LeadStatus.MQL}
    page.locator("#select-all").check()
    page.get_by_label(label(t("Action"))).select_option("handoff")
    page.locator("#bulk-form").get_by_label(label(t("Sales rep"))).select_option(str(rep.pk))
    with page.expect_navigation():
        page.get_by_role("button", name=t("Apply to the ticked leads")).click()
    expect(page.locator(".messages")).to_contain_text("3")
    assert_accessible(page)
    shot("handed-off")
    assert set(imported.values_list("status", flat=True)) == {LeadStatus.HANDED_OFF}
    assert set(imported.values_list("owner_id", flat=True)) == {rep.pk}

    # Later: the rep rejects one lead with a reason, a rating and a comment
    ana = imported.get(email="ana@example.com")
    services.lead_reject(
        lead_id=ana.pk, actor=rep, reason="no_budget", rating=2, feedback="Budget frozen"
    )

    # Then the marketer sees the unread notification and the feedback on the campaign page
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    expect(page.locator(".notif-count")).to_have_text("1")
    feedback = page.locator("#campaign-feedback")
    with translation.override(language):
        reason = str(gettext("No budget"))
    expect(feedback).to_contain_text(reason)
    expect(feedback).to_contain_text("Budget frozen")
    expect(feedback).to_contain_text("2/5")
    expect(page.locator("#campaign-funnel")).to_contain_text("3")
    assert_accessible(page)
    shot("campaign-feedback")

    # and the lead page shows the timeline, the handoff's SLA result and what to do next
    feedback.get_by_role("link", name=re.compile("ana@example.com")).click()
    expect(page.locator("#lead-timeline li")).to_have_count(4)
    expect(page.locator("#handoff-table")).to_contain_text("Budget frozen")
    expect(page.locator("#lead-actions form[action$='/recycle/']")).to_have_count(1)
    expect(page.locator("#lead-actions form[action$='/qualify/']")).to_have_count(0)
    assert_accessible(page)
    shot("lead-page")

    # and on a phone-sized screen the workspace still reads without sideways scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/campaigns/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px screen"
    assert_accessible(page)
    shot("phone-campaigns")
