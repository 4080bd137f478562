"""Screenshots of the marketing workspace and of a lead page against seeded data.

Always saved into the artifacts folder; with DOCS_SCREENSHOTS=1 also written to
docs/screenshot-marketing.png and docs/screenshot-lead.png (how the docs images are made:
`DOCS_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_docs_screenshots.py`).
"""

import datetime as dt
import importlib
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from handoff import services
from leads.services import campaign_cost_add
from tests.factories import CampaignFactory, UserFactory, lead_in_state

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROLES_MIGRATION = importlib.import_module("handoff.migrations.0002_roles")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _roles(transactional_db) -> None:
    for role, by_app in ROLES_MIGRATION.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def _seed(marketer):
    """Three campaigns with spend, leads in every state and the reps' answers."""
    reps = [
        UserFactory(role="sales", first_name=first, last_name=last)
        for first, last in (("Lucía", "Moreno"), ("Tom", "Baker"))
    ]
    today = timezone.localdate()
    plan = [
        ("Spring webinar series", "webinar", Decimal("4200"), 9),
        ("Search: CRM software", "paid_search", Decimal("6900"), 12),
        ("Partner referrals", "partner", Decimal("900"), 5),
    ]
    featured = None
    for n, (name, channel, spend, count) in enumerate(plan):
        campaign = CampaignFactory(
            name=name,
            channel=channel,
            start_date=today - dt.timedelta(days=80),
            budget=spend * 2,
        )
        for month in (2, 1, 0):
            campaign_cost_add(
                campaign_id=campaign.pk,
                actor=marketer,
                date=today - dt.timedelta(days=30 * month),
                amount=(spend / 3).quantize(Decimal("0.01")),
            )
        for i in range(count):
            rep = reps[i % 2]
            state = ["new", "mql", "handed_off", "accepted", "converted"][i % 5]
            lead = lead_in_state(
                state,
                marketer=marketer,
                rep=rep,
                campaign=campaign,
                email=f"contact{i}@{channel.replace('_', '-')}.example.com",
                first_name=f"Alex{i}",
                last_name="Ramos",
                company=f"Company {n}{i}",
                job_title="Head of Sales",
                country="ES",
            )
            if state == "converted":
                services.opportunity_win(
                    opportunity_id=lead.opportunity.pk, actor=rep, amount=spend * 3
                )
            if state == "handed_off" and i % 10 == 2:
                services.lead_reject(
                    lead_id=lead.pk,
                    actor=rep,
                    reason="no_budget",
                    rating=2,
                    feedback="Interested, but their budget is frozen until next year.",
                )
                featured = featured or lead
    return featured


def _save(page: Page, folder: Path, name: str) -> None:
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path.resolve()}")
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / name)
        print(f"docs: {(DOCS / name).resolve()}")


def test_screenshots_of_the_marketing_workspace_and_a_lead_page(
    page: Page, live_server, login, marketer, artifacts_dir: Path, assert_accessible
):
    lead = _seed(marketer)
    page.set_viewport_size({"width": 1280, "height": 800})

    login(page, marketer)
    page.goto(f"{live_server.url}/campaigns/")
    expect(page.locator("#campaign-table tbody tr")).to_have_count(3)
    assert_accessible(page)
    _save(page, artifacts_dir, "screenshot-marketing.png")

    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator("#lead-timeline li")).to_have_count(4)
    assert_accessible(page)
    _save(page, artifacts_dir, "screenshot-lead.png")
