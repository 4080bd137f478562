"""The settings story of issue 12 in a real browser: a manager signs in, creates a rep (an
invitation by email), adds a routing rule and sees its preview, sets a target, creates an
API token and a webhook and sends its test event (to a receiver on 127.0.0.1, checked
signed); the new rep sets a password through the emailed link, signs in, and finds a lead
routed to them in the inbox. Every settings page passes axe-core and fits 390 px.

The story is a list of steps (`SettingsStory.steps`), run in order on one browser page.
`DOCS_SCREENSHOTS=1` also copies the routing preview to docs/settings.png.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from handoff import services
from integrations.models import ApiToken, hash_key
from integrations.webhooks.signing import verify
from leads.models import Channel, Lead
from metrics.models import Target
from tests.factories import CampaignFactory, UserFactory, lead_in_state
from tests.integrations.test_webhooks import Receiver

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REP_PASSWORD = "Wide-Sky-7391"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "settings.png"


def label(text: str) -> re.Pattern:
    """A field's label, with or without the required mark after it."""
    return re.compile(rf"^\s*{re.escape(text)}(\s*\*)?\s*$")


class SettingsStory:
    def __init__(self, page: Page, live_server, login, assert_accessible, folder: Path):
        self.page, self.base, self.login = page, live_server.url, login
        self.assert_accessible, self.folder, self.n = assert_accessible, folder, 0
        self.manager = UserFactory(role="manager", first_name="Mia", last_name="Boss")
        self.marketer = UserFactory(role="marketing")
        self.other_rep = UserFactory(role="sales", first_name="Luis", last_name="Ruiz")
        self.rep = None

    # ------------------------------------------------------------------ helpers
    def shot(self, name: str) -> Path:
        self.n += 1
        path = self.folder / f"settings-story-{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_page(self, name: str) -> None:
        """axe-core finds nothing, and at 390 px the body does not scroll sideways."""
        self.assert_accessible(self.page, context=name)
        self.page.set_viewport_size({"width": 390, "height": 844})
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: {overflow}px of sideways scroll at 390 px"
        self.assert_accessible(self.page, context=f"{name} at 390 px")
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def visit(self, url: str, name: str) -> None:
        self.page.goto(self.base + url)
        self.check_page(name)

    # ------------------------------------------------------------------ steps
    def manager_signs_in_and_opens_settings(self) -> None:
        self.login(self.page, self.manager)
        self.page.locator(".main-nav").get_by_role("link", name="Settings").click()
        expect(self.page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
        self.check_page("hub")

    def manager_creates_a_rep(self) -> None:
        self.page.get_by_role("link", name="Users").first.click()
        self.check_page("users")
        self.page.get_by_role("link", name="Add a user").click()
        self.check_page("user form")
        self.page.get_by_label(label("Username")).fill("ana")
        self.page.get_by_label(label("First name")).fill("Ana")
        self.page.get_by_label(label("Last name")).fill("Gil")
        self.page.get_by_label(label("Email")).fill("ana@example.com")
        self.page.get_by_label(label("Role")).select_option("sales")
        expect(self.page.get_by_label("Invite by email to choose a password")).to_be_checked()
        self.page.get_by_role("button", name="Create the user").click()
        expect(self.page.get_by_text("the invitation is on its way")).to_be_visible()
        self.check_page("user page")
        self.rep = type(self.manager).objects.get(username="ana")
        self.shot("rep-created")

    def manager_adds_a_routing_rule_and_sees_its_preview(self) -> None:
        self.page.goto(self.base + reverse("handoff:settings_rules"))
        self.check_page("routing rules (empty)")
        self.page.get_by_role("link", name="Add a rule").click()
        self.check_page("rule form")
        self.page.get_by_label(label("Name")).fill("Spain webinars")
        self.page.get_by_label(label("Country")).select_option("ES")
        self.page.get_by_label(label("Channel")).select_option(Channel.WEBINAR)
        self.page.get_by_label("Ana Gil").check()
        self.page.get_by_label("Luis Ruiz").check()
        self.page.get_by_role("button", name="Save the rule").click()
        # the rotation starts at the lowest id: Luis (created first), then Ana
        result = self.page.locator("#preview-result")
        expect(result).to_contain_text("It would go to: Luis Ruiz then Ana Gil")
        expect(result).to_contain_text("Spain webinars")
        self.check_page("routing rules with preview")
        shot = self.shot("routing-preview")
        if os.environ.get("DOCS_SCREENSHOTS") == "1":  # how docs/settings.png is made
            shutil.copyfile(shot, DOCS_SCREENSHOT)
        # the preview form itself: a French paid-search lead goes to the general rotation
        self.page.get_by_label(label("Country")).select_option("FR")
        self.page.get_by_label(label("Campaign channel")).select_option(Channel.PAID_SEARCH)
        self.page.get_by_label(label("Score")).fill("80")
        self.page.get_by_role("button", name="Preview").click()
        expect(result).to_contain_text("general rotation")

    def manager_marks_luis_away_and_the_preview_follows(self) -> None:
        self.page.goto(self.base + reverse("handoff:settings_users"))
        self.page.get_by_role("link", name="Luis Ruiz").click()
        self.page.get_by_label("Away (skipped by the rotation)").check()
        self.page.get_by_label(label("Cap of open leads")).fill("5")
        self.page.get_by_role("button", name="Save the availability").click()
        expect(self.page.get_by_text("Availability saved.")).to_be_visible()
        self.page.goto(
            self.base + reverse("handoff:settings_rules") + "?preview=1&country=ES&channel=webinar"
        )
        result = self.page.locator("#preview-result")
        expect(result).to_contain_text("It would go to: Ana Gil")
        expect(result).to_contain_text("Luis Ruiz (skipped: away)")

    def manager_reviews_sla_and_history(self) -> None:
        self.visit(reverse("handoff:settings_sla"), "SLA")
        self.page.get_by_role("link", name="Add an SLA policy").click()
        self.check_page("SLA policy form")
        self.page.get_by_label(label("Name")).fill("Hot leads")
        self.page.get_by_label(label("Minimum score")).fill("70")
        self.page.get_by_label(label("Response hours")).fill("4")
        self.page.get_by_role("button", name="Save the policy").click()
        expect(self.page.locator("#sla-table")).to_contain_text("Hot leads")
        self.visit(reverse("handoff:settings_hours_new"), "business hours form")
        self.visit(reverse("settings_history"), "history")
        history = self.page.locator("#history-table")
        expect(history).to_contain_text("Spain webinars")
        expect(history).to_contain_text("Ana Gil")
        expect(history).to_contain_text("Hot leads")
        self.shot("history")
        self.page.get_by_role("button", name="Sign out").click()

    def manager_sets_a_target(self) -> None:
        self.page.goto(self.base + reverse("settings_hub"))
        self.page.get_by_role("link", name="Targets").first.click()
        self.check_page("targets grid")
        month = timezone.localdate().replace(day=1)
        cell = f"mqls-{month:%Y-%m}"
        self.page.fill(f"#cell-{cell}", "120")
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Save targets").click()
        expect(self.page.locator(f"#cell-{cell}")).to_have_value("120", timeout=15_000)
        target = Target.objects.get(metric="mqls", month=month, channel=None, owner=None)
        assert target.value == 120 and target.updated_by == self.manager
        self.shot("target-set")

    def manager_creates_a_token_and_a_webhook_and_sends_its_test_event(self) -> None:
        self.page.goto(self.base + reverse("settings_hub"))
        self.page.get_by_role("link", name="API tokens").first.click()
        self.check_page("tokens")
        self.page.click("#new-token")
        self.page.fill("input[name=name]", "Website forms")
        self.page.select_option("select[name=user]", str(self.marketer.pk))
        self.page.click("#token-form [type=submit]")
        key = self.page.locator("#token-key").inner_text().strip()
        assert ApiToken.objects.get(name="Website forms").key_hash == hash_key(key)
        self.page.goto(self.base + reverse("integrations:webhook_list"))
        self.page.click("#new-webhook")
        self.check_page("webhook form")
        self.page.fill("input[name=url]", self.receiver.url)
        self.page.check("input[name=events][value='lead.handed_off']")
        self.page.click("#webhook-form [type=submit]")
        secret = self.page.locator("#webhook-secret").inner_text().strip()
        self.page.click("#to-webhook")
        self.page.click("#send-test")
        self.page.wait_for_selector("#delivery-log")
        (headers, body) = self.receiver.received[-1]
        assert verify(body, secret, headers["X-Signature"])
        assert json.loads(body)["event"] == "webhook.test"
        self.check_page("webhook delivery log")
        self.shot("webhook-test-event")

    def rep_sets_a_password_from_the_email(self) -> None:
        (invitation,) = [m for m in mail.outbox if m.to == ["ana@example.com"]]
        link = re.search(r"https?://\S+/settings/welcome/\S+/", invitation.body).group(0)
        self.page.goto(link)
        expect(self.page.get_by_role("heading", name="Choose your password")).to_be_visible()
        self.check_page("set password")
        self.page.get_by_label(label("New password")).fill(REP_PASSWORD)
        self.page.get_by_label(label("New password confirmation")).fill(REP_PASSWORD)
        self.page.get_by_role("button", name="Save the password").click()
        self.page.wait_for_load_state()
        self.rep.refresh_from_db()
        assert self.rep.check_password(REP_PASSWORD)

    def a_matching_lead_is_routed_to_the_rep(self) -> None:
        webinar = CampaignFactory(channel=Channel.WEBINAR)
        lead = lead_in_state(
            "mql",
            marketer=self.marketer,
            campaign=webinar,
            country="ES",
            first_name="Pilar",
            last_name="Soto",
        )
        services.lead_handoff(lead_id=lead.pk, actor=self.marketer)
        assert Lead.objects.get(pk=lead.pk).owner == self.rep
        self.lead = lead

    def rep_signs_in_and_finds_the_lead_in_the_inbox(self) -> None:
        self.login(self.page, self.rep, password=REP_PASSWORD)
        self.page.goto(self.base + reverse("handoff:inbox"))
        expect(self.page.locator("main")).to_contain_text("Pilar Soto")
        self.shot("rep-inbox")
        self.visit(reverse("handoff:settings_me"), "away page")
        self.page.get_by_label("I am away: send new leads to others").check()
        self.page.get_by_role("button", name="Save").click()
        expect(self.page.get_by_text("You are away")).to_be_visible()

    def manager_reads_the_settings_in_spanish(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.login(self.page, self.manager)
        self.page.select_option("#language-select", "es")
        self.page.wait_for_load_state()
        expect(self.page.locator("html")).to_have_attribute("lang", "es")
        for name in ("settings_hub", "handoff:settings_users", "handoff:settings_rules"):
            self.visit(reverse(name), f"{name} (es)")
        self.visit(reverse("settings_history"), "history (es)")

    steps = [
        manager_signs_in_and_opens_settings,
        manager_creates_a_rep,
        manager_adds_a_routing_rule_and_sees_its_preview,
        manager_marks_luis_away_and_the_preview_follows,
        manager_sets_a_target,
        manager_creates_a_token_and_a_webhook_and_sends_its_test_event,
        manager_reviews_sla_and_history,
        rep_sets_a_password_from_the_email,
        a_matching_lead_is_routed_to_the_rep,
        rep_signs_in_and_finds_the_lead_in_the_inbox,
        manager_reads_the_settings_in_spanish,
    ]


def test_settings_story(
    page: Page, live_server, login, assert_accessible, artifacts_dir: Path, settings
) -> None:
    # a webhook receiver on 127.0.0.1 (private URLs allowed for this test)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    story = SettingsStory(page, live_server, login, assert_accessible, artifacts_dir)
    story.receiver = Receiver([200])
    try:
        for step in SettingsStory.steps:
            step(story)
    finally:
        story.receiver.close()
