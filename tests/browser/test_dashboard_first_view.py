"""The dashboard's first view and the spend edit in a real browser, at 390 px (no sideways
scrolling of the page) and at desktop width, clean under axe-core; screenshots kept."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads import services
from leads.models import CampaignCost, SettingChange
from metrics import refresh
from tests.factories import CampaignFactory, lead_in_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _history(marketer, rep) -> None:
    start = timezone.localdate() - dt.timedelta(days=10)
    for name in ("Spring webinar with a long name", "Search ads"):
        campaign = CampaignFactory(name=name)
        services.campaign_cost_add(
            campaign_id=campaign.pk,
            actor=marketer,
            date=start,
            end_date=start + dt.timedelta(days=2),
            amount=Decimal("1000.00"),
        )
        for state in ("handed_off", "accepted", "rejected", "converted"):
            lead_in_state(state, marketer=marketer, rep=rep, campaign=campaign)
    lead_in_state("new", marketer=marketer, campaign=None, campaign_id=None)
    refresh.refresh_dirty()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_the_dashboard_first_view_on_a_phone_and_a_desktop(
    page: Page, live_server, login, artifacts_dir: Path, assert_accessible, manager, marketer, rep
) -> None:
    # Given two campaigns with spend over a period and an unattributed lead
    _history(marketer, rep)

    # When the manager opens the dashboard on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager)
    page.goto(f"{live_server.url}/dashboard/")

    # Then it shows the last 30 days, trends by day, totals and dashes, on one screen width
    expect(page.locator("#id_preset")).to_have_value("last_30_days")
    expect(page.locator("#trends-title")).to_have_text("Trends by day")
    expect(page.locator("#breakdown-campaign tfoot")).to_contain_text("Total")
    expect(page.locator('[data-kpi="leads"]')).to_contain_text("New")
    _no_sideways_scroll(page)
    assert_accessible(page, context="dashboard first view, 390 px")
    page.screenshot(path=str(artifacts_dir / "dashboard-first-view-phone.png"), full_page=True)

    # And the campaign table fits a desktop screen without scrolling sideways
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/dashboard/")
    wrap = page.locator("#breakdown-campaign .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    page.locator("#breakdown-campaign").screenshot(
        path=str(artifacts_dir / "dashboard-campaign-table-desktop.png")
    )

    # When the manager filters by the rep
    page.select_option("#id_owner", str(rep.pk))
    page.click("#dashboard-apply")
    expect(page.locator("#breakdown-owner tbody tr")).to_have_count(1)
    assert_accessible(page, context="dashboard filtered by a rep")


def test_a_spend_entry_is_edited_and_deleted_on_a_phone(
    page: Page, live_server, login, artifacts_dir: Path, assert_accessible, marketer
) -> None:
    # Given a campaign with one spend entry over three days
    campaign = CampaignFactory(name="Spring webinar")
    start = timezone.localdate() - dt.timedelta(days=10)
    cost = services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=start,
        end_date=start + dt.timedelta(days=2),
        amount=Decimal("1000.00"),
    )

    # When marketing opens the spend page on a phone and edits the entry
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, marketer)
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/spend/")
    _no_sideways_scroll(page)
    assert_accessible(page, context="spend page, 390 px")
    page.screenshot(path=str(artifacts_dir / "spend-list-phone.png"), full_page=True)
    page.locator("#spend-table a", has_text="Edit").first.click()
    page.wait_for_url("**/edit/")
    page.wait_for_load_state()
    _no_sideways_scroll(page)
    assert_accessible(page, context="spend edit page, 390 px")
    page.fill("#id_amount", "900.00")
    page.screenshot(path=str(artifacts_dir / "spend-edit-phone.png"), full_page=True)
    page.get_by_role("button", name="Save the change").click()

    # Then the list shows the new amount and the change is audited
    expect(page.locator("#spend-table")).to_contain_text("$900.00")
    cost.refresh_from_db()
    assert cost.amount == Decimal("900.00")

    # When it is deleted
    page.locator("#spend-table button", has_text="Delete").first.click()

    # Then the entry is gone, with two audit rows
    expect(page.get_by_text("Spend entry deleted.")).to_be_visible()
    assert not CampaignCost.objects.exists()
    assert list(SettingChange.objects.order_by("id").values_list("action", flat=True)) == [
        "updated",
        "deleted",
    ]

    # And the campaign page shows its budget against actual, on a phone too
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page.wait_for_load_state()
    expect(page.locator("#campaign-budget")).to_contain_text("Budget against actual")
    _no_sideways_scroll(page)
    assert_accessible(page, context="campaign page with its budget, 390 px")
