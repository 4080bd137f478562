"""The agreement page in a real browser: a rep reads both sides and the verdict; a manager
edits the agreement and sees the verdict change. axe-core on every page, 390 px wide too.

Screenshots go to $ARTIFACTS_DIR; with DOCS_SCREENSHOTS=1 the manager's view is also written
to docs/agreement.png (the README's picture).
"""

import datetime as dt
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alignment import services as alignment_services
from handoff import services as flow
from leads.services import campaign_cost_add
from metrics import refresh
from tests.factories import CampaignFactory, UserFactory

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def agreement(manager, rep):
    """Day 21 of 30: 6 MQLs (pace 8.6 against 8: on track); 6 handoffs five days ago, 3
    answered on time, 3 still waiting past their SLA: 50% on time, 50% answered."""
    today = timezone.localdate()
    at = timezone.now() - dt.timedelta(days=5)
    campaign = CampaignFactory(name="Spring webinar series")
    campaign_cost_add(
        campaign_id=campaign.pk, actor=manager, date=at.date(), amount=Decimal("1200.00")
    )
    for n in range(6):
        lead = flow.lead_capture(
            actor=manager,
            email=f"buyer{n}@example.com",
            first_name=f"Buyer {n}",
            campaign_id=campaign.pk,
            created_at=at,
        )
        flow.lead_qualify(lead_id=lead.pk, actor=manager, at=at)
        flow.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=at)
        if n < 3:
            flow.lead_accept(
                lead_id=lead.pk, actor=manager, rating=4, at=at + dt.timedelta(hours=2)
            )
    refresh.refresh_dirty()
    alignment_services.agreement_create(
        actor=manager,
        start=today - dt.timedelta(days=80),
        end=today - dt.timedelta(days=50),
        mqls=5,
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
    )
    return alignment_services.agreement_create(
        actor=manager,
        start=today - dt.timedelta(days=20),
        end=today + dt.timedelta(days=9),
        mqls=8,
        max_cost_per_mql=Decimal("250"),
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
        max_avg_response_hours=Decimal("24"),
    )


def _save(page: Page, folder: Path, name: str, *, docs: bool = False) -> None:
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS / "agreement.png")


def _fits(page: Page, width: int = 390) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_rep_reads_the_agreement(
    page: Page, live_server, login, assert_accessible, artifacts_dir: Path, agreement, rep
) -> None:
    # Given the rep signed in
    login(page, rep)
    page.set_viewport_size({"width": 1280, "height": 900})
    # When the rep opens the agreement from the navigation
    page.get_by_role("link", name="Agreement").click()
    # Then both sides are there with their figures and the verdict in words
    expect(page.locator("#agreement-verdict")).to_have_text(
        "Marketing is on track; sales is behind on the SLA: 50% on time against 80% agreed "
        "and answering handoffs: 50% answered against 90% agreed."
    )
    mqls = page.locator('[data-field="mqls"]')
    expect(mqls.locator('[data-figure="actual"]')).to_have_text("6")
    expect(mqls.locator('[data-figure="expected_to_date"]')).to_have_text("6")  # 8 x 21 / 30
    expect(mqls.locator('[data-figure="projected"]')).to_have_text("9")  # 6 x 30 / 21 = 8.6
    answered = page.locator('[data-field="min_answered_share"]')
    expect(answered).to_have_attribute("data-status", "behind")
    expect(page.locator("#side-marketing-card")).to_have_attribute("data-verdict", "on_track")
    # And the past agreement is listed as missed; the rep is offered no edit
    expect(page.locator("#past-agreements")).to_contain_text("Missed")
    expect(page.locator("#agreement-edit")).to_have_count(0)
    assert_accessible(page, context="agreement page (rep)")
    _save(page, artifacts_dir, "agreement-rep.png")
    # And it works on a phone
    _fits(page)
    expect(page.locator("#agreement-verdict")).to_be_visible()
    assert_accessible(page, context="agreement page (rep, 390 px)")
    _save(page, artifacts_dir, "agreement-rep-390.png")


def test_a_manager_edits_the_agreement_and_sees_the_verdict(
    page: Page, live_server, login, assert_accessible, artifacts_dir: Path, agreement, manager
) -> None:
    # Given the manager on the agreement page
    login(page, manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/agreements/")
    expect(page.locator('[data-field="min_sla_compliance"]')).to_have_attribute(
        "data-status", "behind"
    )
    # When the manager opens the form, first saves a rate over 100%, then 50%
    page.locator("#agreement-edit").click()
    assert_accessible(page, context="agreement form")
    page.get_by_label("Minimum SLA compliance, % (sales)").fill("150")
    page.get_by_role("button", name="Save the agreement").click()
    expect(page.locator("#id_min_sla_compliance_error")).to_be_visible()
    assert_accessible(page, context="agreement form with an error")
    page.get_by_label("Minimum SLA compliance, % (sales)").fill("50")
    page.get_by_role("button", name="Save the agreement").click()
    # Then the SLA is on track, and the verdict names what is still behind
    expect(page.locator(".messages")).to_contain_text("Agreement saved.")
    expect(page.locator('[data-field="min_sla_compliance"]')).to_have_attribute(
        "data-status", "on_track"
    )
    expect(page.locator("#agreement-verdict")).to_have_text(
        "Marketing is on track; sales is behind on answering handoffs: "
        "50% answered against 90% agreed."
    )
    agreement.refresh_from_db()
    assert agreement.min_sla_compliance == Decimal("0.5")
    assert_accessible(page, context="agreement page (manager)")
    _save(page, artifacts_dir, "agreement-manager.png", docs=True)
    _fits(page)
    assert_accessible(page, context="agreement page (manager, 390 px)")
    _save(page, artifacts_dir, "agreement-manager-390.png")


def test_the_digest_preview_is_accessible(
    page: Page, live_server, login, assert_accessible, artifacts_dir: Path, agreement, manager
) -> None:
    UserFactory(role="sales", first_name="Ana", last_name="Ruiz")
    login(page, manager)
    page.goto(f"{live_server.url}/digest/")
    expect(page.locator("#digest-verdict")).to_contain_text("Marketing is on track")
    assert_accessible(page, context="digest preview")
    page.get_by_role("button", name="Stop sending it to me").click()
    expect(page.locator("#digest-subscription")).to_contain_text("You have opted out")
    _fits(page)
    assert_accessible(page, context="digest preview (390 px)")
    _save(page, artifacts_dir, "digest-preview-390.png")
