"""Every role's pages in a real browser under the Content-Security-Policy: no violation
(inline script, handler or style) is reported, axe-core finds no WCAG 2 A/AA problem, and
each page fits a 390 px screen (issue 10, finding 7)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from imports.models import LeadImport
from leads import services as leads_services
from tests.factories import CampaignFactory, UserFactory, lead_in_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + (e.sourceFile || document.location.pathname) + ":" + e.lineNumber);
});
"""


@pytest.fixture
def world(marketer, rep, manager):
    """A campaign with spend; leads handed off, accepted into an opportunity and rejected."""
    campaign = CampaignFactory(name="Spring webinar")
    leads_services.campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=timezone.localdate(), amount=Decimal("300")
    )
    pending = lead_in_state("handed_off", marketer=marketer, rep=rep, campaign=campaign)
    lead_in_state("converted", marketer=marketer, rep=rep, campaign=campaign)
    lead_in_state("rejected", marketer=marketer, rep=rep, campaign=campaign)
    done = LeadImport.objects.create(
        created_by=marketer,
        original_name="fair.csv",
        file="imports/fair.csv",
        status="done",
        total_rows=2,
        processed_rows=2,
        created_count=1,
        invalid_count=1,
        report=[{"line": 3, "field": "email", "reason": "Enter a valid email address."}],
    )
    return {"campaign": campaign, "lead": pending, "import": done}


def _pages(world) -> dict[str, list[str]]:
    c, lead, imp = world["campaign"].pk, world["lead"].pk, world["import"].pk
    marketing = [
        "/dashboard/",
        "/campaigns/",
        f"/campaigns/{c}/",
        "/campaigns/new/",
        f"/campaigns/{c}/edit/",
        f"/campaigns/{c}/spend/",
        "/leads/",
        "/leads/new/",
        f"/leads/{lead}/",
        f"/leads/{lead}/edit/",
        "/leads/import/",
        f"/leads/import/{imp}/",
        "/notifications/",
        "/accounts/password_change/",
    ]
    return {
        "marketer": marketing,
        "rep": ["/dashboard/", "/inbox/", "/pipeline/", f"/leads/{lead}/", "/notifications/"],
        "manager": ["/dashboard/", "/campaigns/", f"/campaigns/{c}/", "/leads/", "/pipeline/"],
    }


def _visit(page: Page, url: str, assert_accessible, console: list[str]) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    page.wait_for_load_state("networkidle")
    assert_accessible(page, context=url)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{url} is {overflow}px too wide on a 390px screen"
    violations = page.evaluate("window.__cspViolations")
    assert violations == [] and console == [], f"{url}: {violations} {console}"


@pytest.mark.parametrize("role", ["marketer", "rep", "manager"])
def test_every_page_of_a_role_satisfies_the_csp_and_axe(
    page: Page, live_server, login, assert_accessible, world, role, request
):
    # Given a browser that records CSP violations (events and console reports)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(WATCH_CSP)
    page.set_default_timeout(10_000)
    # When the role signs in and opens each of its pages
    login(page, request.getfixturevalue(role))
    for path in _pages(world)[role]:
        # Then none reports a violation, an accessibility problem or a sideways scroll
        _visit(page, f"{live_server.url}{path}", assert_accessible, console)


def test_anonymous_pages_and_the_api_docs_satisfy_the_csp(
    page: Page, live_server, assert_accessible
):
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(WATCH_CSP)
    for path in ("/accounts/login/", "/accounts/password_reset/"):
        _visit(page, f"{live_server.url}{path}", assert_accessible, console)
    # The Swagger UI page works under its own policy: the operations are drawn
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.evaluate("window.__cspViolations") == [] and console == []


def test_the_admin_works_under_the_policy(page: Page, live_server, login, world):
    # Given a superuser and a browser that records CSP violations
    admin = UserFactory(is_staff=True, is_superuser=True)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(WATCH_CSP)
    login(page, admin)
    # When they open the admin's index, a list and a change form
    lead = world["lead"].pk
    for path in ("/admin/", "/admin/leads/lead/", f"/admin/leads/lead/{lead}/change/"):
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        # Then each opens with nothing blocked
        assert response is not None and response.status == 200, path
        assert page.evaluate("window.__cspViolations") == [] and console == [], path


def test_the_lockout_page_says_why_and_passes_axe(
    page: Page, live_server, login, rep, assert_accessible, artifacts_dir
):
    # Given a browser that signs in with wrong passwords five times
    page.add_init_script(WATCH_CSP)
    for n in range(5):
        login(page, rep, password=f"guess-{n}")
    # When the right password follows
    login(page, rep)
    # Then the page explains the lockout, and the user is not signed in
    assert page.locator("#locked-out [role=alert]").inner_text().startswith("Too many failed")
    assert page.locator("form[action$='/logout/']").count() == 0
    assert page.evaluate("window.__cspViolations") == []
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "login-locked-out.png"), full_page=True)
