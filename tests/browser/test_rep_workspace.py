"""The rep's workspace in a real browser: drag a deal between stages (SortableJS), the stage
select as the keyboard alternative, a refused drop shown on the card, the inbox's true count
and on-demand answer forms, the rep's lead list; axe-core and a 390 px phone on each page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from leads.models import Opportunity
from tests.factories import lead_in_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def deals(marketer, rep) -> list[Opportunity]:
    opportunities = []
    for name in ("Ana", "Ben", "Cleo"):
        lead = lead_in_state(
            "converted",
            marketer=marketer,
            rep=rep,
            first_name=name,
            company=f"{name} Ltd",
            email=f"{name.lower()}.with.a.rather.long.address@example-company.com",
        )
        opportunities.append(Opportunity.objects.get(lead=lead))
    return opportunities


def _drag(page: Page, source_selector: str, target_selector: str) -> None:
    """Press on the card, move in small steps over the target list, release."""
    source = page.locator(source_selector).locator(".opp-who").bounding_box()
    target = page.locator(target_selector).bounding_box()
    assert source and target
    page.mouse.move(source["x"] + 10, source["y"] + source["height"] / 2)
    page.mouse.down()
    x, y = target["x"] + target["width"] / 2, target["y"] + target["height"] - 5
    page.mouse.move(source["x"] + 20, source["y"] + 20, steps=5)
    page.mouse.move(x, y, steps=20)
    page.mouse.up()


def _read_all_notices() -> None:
    from django.utils import timezone

    from notifications.models import Notification

    Notification.objects.update(read_at=timezone.now())


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_rep_drags_a_deal_to_another_stage_and_uses_the_keyboard_alternative(
    page: Page, live_server, login, assert_accessible, artifacts_dir: Path, deals, rep
) -> None:
    ana, ben, cleo = deals
    _read_all_notices()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, rep)
    page.goto(f"{live_server.url}/pipeline/")
    qualification = '#pipeline-board ul[data-stage="qualification"]'
    proposal = '#pipeline-board ul[data-stage="proposal"]'
    expect(page.locator(f"{qualification} .opp-card")).to_have_count(3)
    assert_accessible(page, context="pipeline")

    # When the rep drags Ana's card onto the empty Proposal column
    _drag(page, f"#opp-{ana.pk}", proposal)

    # Then the board comes back with the card in Proposal, and the deal moved
    expect(page.locator(f"{proposal} #opp-{ana.pk}")).to_be_visible()
    expect(page.locator(f"#opp-{ana.pk} .row-notice")).to_contain_text("Moved to Proposal")
    ana.refresh_from_db()
    assert ana.stage == "proposal"
    page.screenshot(path=str(artifacts_dir / "pipeline-dragged.png"), full_page=True)

    # When Ben's deal is moved with the keyboard: its stage select, then its Move button
    select = page.locator(f"#id_stage-opp-{ben.pk}-stage")
    select.focus()
    select.select_option("negotiation")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f'ul[data-stage="negotiation"] #opp-{ben.pk}')).to_be_visible()
    ben.refresh_from_db()
    assert ben.stage == "negotiation"

    # When Cleo's deal was closed elsewhere meanwhile, a drop is refused and said on the card
    Opportunity.objects.filter(pk=cleo.pk).update(stage="won", closed_at=cleo.created_at)
    _drag(page, f"#opp-{cleo.pk}", proposal)
    expect(page.locator(f"#opp-{cleo.pk} .row-error")).to_contain_text("Not done")
    expect(page.locator(f"{proposal} #opp-{cleo.pk}")).to_have_count(0)
    cleo.refresh_from_db()
    assert cleo.stage == "won"

    # And the board passes axe and fits a phone
    assert_accessible(page, context="pipeline after moves")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/pipeline/")
    _no_sideways_scroll(page)
    assert_accessible(page, context="pipeline at 390 px")
    page.screenshot(path=str(artifacts_dir / "pipeline-phone.png"), full_page=True)


def test_inbox_counts_every_lead_and_keeps_a_just_accepted_one(
    page: Page, live_server, login, assert_accessible, artifacts_dir: Path, marketer, rep
) -> None:
    # Given 27 leads waiting for the rep: more than a page
    from handoff.views.sales import INBOX_PAGE

    leads = [
        lead_in_state("handed_off", marketer=marketer, rep=rep, first_name=f"L{i:02d}")
        for i in range(INBOX_PAGE + 2)
    ]
    _read_all_notices()  # the header's unread badge is another page's concern
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, rep)
    page.goto(f"{live_server.url}/inbox/")

    # Then the heading says the true total, one page is listed, names link to the lead
    expect(page.locator("#inbox-heading")).to_contain_text(f"{INBOX_PAGE + 2} leads")
    expect(page.locator("#inbox-pending .inbox-row")).to_have_count(INBOX_PAGE)
    first = leads[0]
    link = page.locator(f"#lead-row-{first.pk} .inbox-name a")
    expect(link).to_have_attribute("href", f"/leads/{first.pk}/")
    _no_sideways_scroll(page)
    assert_accessible(page, context="inbox at 390 px")

    # When the rep loads the answer forms of the first row and accepts it
    row = page.locator(f"#lead-row-{first.pk}")
    row.get_by_role("link", name=re.compile("^Answer")).click()
    expect(row.locator(".row-actions")).to_be_focused()  # keyboard users land on the forms
    assert_accessible(page, context="inbox row with its answer forms")
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.locator(f"#lead-row-{first.pk} .row-notice")).to_contain_text("Accepted")

    # Then after a reload it is still there, under accepted, until converted
    page.reload()
    expect(page.locator(f"#inbox-accepted #lead-row-{first.pk}")).to_be_visible()
    expect(page.locator("#accepted-heading")).to_contain_text("1 lead")
    expect(page.locator("#inbox-heading")).to_contain_text(f"{INBOX_PAGE + 1} leads")
    page.screenshot(path=str(artifacts_dir / "inbox-paged-phone.png"), full_page=True)


def test_rep_searches_their_own_leads(
    page: Page, live_server, login, assert_accessible, marketer, rep, other_rep
) -> None:
    lead_in_state("accepted", marketer=marketer, rep=rep, first_name="Zoe", email="zoe@ex.com")
    lead_in_state("accepted", marketer=marketer, rep=rep, first_name="Max", email="max@ex.com")
    lead_in_state("accepted", marketer=marketer, rep=other_rep, email="theirs@ex.com")
    _read_all_notices()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, rep)
    page.goto(f"{live_server.url}/leads/")
    expect(page.locator("#lead-table tbody tr")).to_have_count(2)
    page.get_by_label("Search").fill("zoe")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#lead-table tbody tr")).to_have_count(1)
    expect(page.locator("#lead-table")).to_contain_text("zoe@ex.com")
    _no_sideways_scroll(page)
    assert_accessible(page, context="rep lead list at 390 px")


def test_dashboard_loads_the_loss_breakdown_and_it_fits_a_phone(
    page: Page, live_server, login, assert_accessible, marketer, rep, manager
) -> None:
    from handoff import services

    # Given a deal lost to a competitor
    opportunity = Opportunity.objects.get(
        lead=lead_in_state("converted", marketer=marketer, rep=rep)
    )
    services.opportunity_lose(opportunity_id=opportunity.pk, actor=rep, reason="competitor")
    _read_all_notices()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager)

    # When the manager opens the dashboard, the breakdown loads into it
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#loss-by-rep")).to_be_visible()
    expect(page.locator("#loss-by-campaign")).to_be_visible()
    _no_sideways_scroll(page)

    # And its own page passes axe at 390 px
    page.goto(f"{live_server.url}/dashboard/loss-reasons/")
    expect(page.locator("#loss-by-rep")).to_contain_text("1")
    _no_sideways_scroll(page)
    assert_accessible(page, context="loss reasons at 390 px")
