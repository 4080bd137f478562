"""A public web form in Chromium (issue 14): a marketer creates a campaign's form and copies
its embed code; a visitor opens a page of another site (a static page served from
127.0.0.1 on another port) with UTM parameters and sends the embedded form; the marketer
then finds the lead with the campaign the UTM fields matched and its `form` touch. The
hosted page passes axe-core, reports no CSP violation and fits a 390 px screen."""

import functools
import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from integrations.models import LeadForm
from integrations.public_forms import embed, services
from leads.models import Lead, Touch, TouchKind
from tests.browser.test_security_pages import WATCH_CSP
from tests.factories import CampaignFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class StaticSite:
    """Another website: serves one folder on 127.0.0.1 (a port of its own) in a thread."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _fits(page: Page, assert_accessible, artifacts_dir: Path, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page, context=name)
    assert page.evaluate("window.__cspViolations") == [], name
    page.screenshot(path=str(artifacts_dir / f"web-forms-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, context=f"{name} at 390 px")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px too wide on a 390px screen"
    page.screenshot(path=str(artifacts_dir / f"web-forms-{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_visitor_sends_an_embedded_form_with_utm_and_the_marketer_finds_the_lead(
    page: Page,
    browser: Browser,
    live_server,
    login,
    marketer,
    assert_accessible,
    artifacts_dir,
    settings,
    tmp_path,
):
    # Given a campaign with a form, another whose UTM fields the ad's link carries
    settings.SITE_URL = live_server.url
    settings.PUBLIC_FORM_MIN_FILL_SECONDS = 1.0
    website = CampaignFactory(name="Website")
    spring = CampaignFactory(
        name="Spring newsletter",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring",
    )
    page.add_init_script(WATCH_CSP)
    page.set_default_timeout(15_000)
    login(page, marketer)

    # When the marketer creates the website campaign's form on the settings page
    page.goto(f"{live_server.url}/settings/web-forms/new/?campaign={website.pk}")
    _fits(page, assert_accessible, artifacts_dir, "settings-form")
    page.fill("input[name=title]", "Get the buyer's guide")
    page.check("input[name=fields][value=first_name]")
    page.check("input[name=fields][value=company]")
    page.fill("textarea[name=consent_text]", "Send me the guide and related news.")
    page.fill("textarea[name=thank_you_message]", "Thanks! The guide is on its way.")
    page.click("#lead-form-settings [type=submit]")
    # Then its page shows the embed code and the hosted page's address
    snippet = page.locator("#embed-snippet").input_value()
    lead_form = LeadForm.objects.get()
    assert f"{live_server.url}/f/{lead_form.slug}/" in snippet
    _fits(page, assert_accessible, artifacts_dir, "settings-detail")

    # And another website embeds it
    (tmp_path / "landing.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Acme landing page</title></head><body><main><h1>Our guide</h1>"
        f"{snippet}</main></body></html>",
        encoding="utf-8",
    )
    site = StaticSite(tmp_path)
    visitor = browser.new_page()
    visitor.set_default_timeout(15_000)
    try:
        # When a visitor opens that page from the newsletter's link and sends the form
        visitor.goto(
            f"{site.url}/landing.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
        )
        token = visitor.locator("input[name=form_token]")
        visitor.wait_for_function("document.querySelector('input[name=form_token]').value !== ''")
        assert visitor.locator("input[name=utm_campaign]").input_value() == "spring"
        box = visitor.locator(".wf-hp input").bounding_box()  # our CSS moved it off screen
        assert box is not None and box["x"] + box["width"] <= 0
        visitor.fill("input[name=email]", "Reader@Example.com")
        visitor.fill("input[name=first_name]", "Rita")
        visitor.fill("input[name=company]", "Acme")
        visitor.check("input[name=consent]")
        visitor.screenshot(path=str(artifacts_dir / "web-forms-embedded.png"), full_page=True)
        visitor.wait_for_timeout(1200)  # a person takes longer than the minimum fill time
        assert token.input_value()
        visitor.click(".wf-form button[type=submit]")
        # Then they see the thank-you page of our site
        visitor.wait_for_selector("#wf-message")
        assert "Thanks! The guide is on its way." in visitor.inner_text("#wf-message")
        assert visitor.url.startswith(live_server.url)
        visitor.screenshot(path=str(artifacts_dir / "web-forms-thanks.png"), full_page=True)

        # And the hosted page (opened from an ad link) is accessible, strict and fits 390 px
        hosted = browser.new_page()
        hosted.add_init_script(WATCH_CSP)
        hosted.goto(f"{live_server.url}/f/{lead_form.slug}/?utm_source=newsletter")
        _fits(hosted, assert_accessible, artifacts_dir, "hosted")
        hosted.close()
    finally:
        visitor.close()
        site.close()

    # And the lead is of the campaign the UTM fields matched, with its form touch
    lead = Lead.objects.get(email="reader@example.com")
    assert (lead.campaign_id, lead.first_name, lead.company) == (spring.pk, "Rita", "Acme")
    touch = Touch.objects.get(lead=lead)
    assert (touch.campaign_id, touch.kind) == (spring.pk, TouchKind.FORM)
    # And the marketer finds it in the lead list and on its page with its campaign
    page.goto(f"{live_server.url}/leads/?campaign={spring.pk}")
    assert page.locator(f"a[href='/leads/{lead.pk}/']").count() >= 1
    page.screenshot(path=str(artifacts_dir / "web-forms-lead-list.png"), full_page=True)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    assert "Spring newsletter" in page.content()
    page.screenshot(path=str(artifacts_dir / "web-forms-lead.png"), full_page=True)
    # And the form's page counts the capture
    page.goto(f"{live_server.url}/settings/web-forms/{lead_form.pk}/")
    assert page.inner_text("#count-captured").strip() == "1"


def test_the_embed_works_without_javascript_after_one_confirmation(
    browser: Browser, live_server, marketer, artifacts_dir, settings, tmp_path
):
    # Given an embedded form on another site, in a browser with JavaScript off
    settings.PUBLIC_FORM_MIN_FILL_SECONDS = 1.0
    campaign = CampaignFactory(name="Website")
    lead_form = services.form_create(
        actor=marketer,
        campaign_id=campaign.pk,
        title="Newsletter",
        consent_text="Yes",
        thank_you_message="Subscribed.",
    )
    (tmp_path / "page.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Site</title></head>"
        f"<body><main>{embed.snippet(lead_form, live_server.url)}</main></body></html>",
        encoding="utf-8",
    )
    site = StaticSite(tmp_path)
    context = browser.new_context(java_script_enabled=False)
    visitor = context.new_page()
    visitor.set_default_timeout(15_000)
    try:
        # When the visitor sends it (no token: the script did not run)
        visitor.goto(f"{site.url}/page.html?utm_source=ignored")
        visitor.fill("input[name=email]", "nojs@example.com")
        visitor.check("input[name=consent]")
        visitor.click(".wf-form button[type=submit]")
        # Then our page shows the values again and asks to send once more; nothing is kept yet
        assert "send the form again" in visitor.inner_text(".wf-notice")
        assert visitor.input_value("input[name=email]") == "nojs@example.com"
        assert not Lead.objects.exists()
        visitor.screenshot(path=str(artifacts_dir / "web-forms-nojs-confirm.png"), full_page=True)
        visitor.wait_for_timeout(1200)
        visitor.click(".wf-form button[type=submit]")
        assert "Subscribed." in visitor.inner_text("#wf-message")
    finally:
        context.close()
        site.close()
    lead = Lead.objects.get(email="nojs@example.com")
    assert lead.campaign_id == campaign.pk
    assert Touch.objects.get(lead=lead).kind == TouchKind.FORM
