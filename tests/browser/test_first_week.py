"""What a first week finds, in a real browser: the Spanish header on one line at desktop
width, chart axes in the page's language, a favicon on every page, a page for 405."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from notifications.models import Notification
from tests.factories import LeadFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _spanish(page: Page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])


def test_spanish_header_menu_fits_one_line_at_1280_px(
    page: Page, live_server, login, manager, artifacts_dir: Path, assert_accessible
):
    # Given a manager (the longest menu) reading in Spanish on a 1280 px wide screen
    page.set_viewport_size({"width": 1280, "height": 800})
    _spanish(page, live_server)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    manager.first_name, manager.last_name = "Maximiliano", "Fernández-Villaverde"
    manager.save()
    for _ in range(12):  # an unread count in the header too
        Notification.objects.create(recipient=manager, kind="sla_reminder", message="x")
    lead = LeadFactory(first_name="Ana", last_name="Costa", company="Acme")
    Notification.objects.create(recipient=manager, kind="lead_assigned", lead=lead, message="x")
    login(page, manager)

    # When any page opens
    page.goto(f"{live_server.url}/notifications/")

    # Then every menu item sits on one line, the header is one row, and nothing is missing
    tops = page.eval_on_selector_all(
        ".main-nav li", "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(tops) >= 4 and len(set(tops)) == 1, tops
    heights = page.eval_on_selector_all(
        ".main-nav a", "links => links.map(a => Math.round(a.getBoundingClientRect().height))"
    )
    assert max(heights) < 48, heights  # no label broken over two lines
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 60, header  # one row: brand, menu and tools side by side
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator(".site-header").screenshot(path=str(artifacts_dir / "header-es-1280.png"))
    assert missing == [], missing
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").status == 200
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200
    assert page.get_by_role("link", name="Ana Costa (Acme)").count() == 1
    page.screenshot(path=str(artifacts_dir / "notifications-es-1280.png"))
    assert_accessible(page, context="notifications (es)")

    # And at 390 px the page does not scroll sideways
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_dashboard_chart_axes_follow_the_page_language(page: Page, live_server, login, manager):
    # Given the manager's dashboard in Spanish
    _spanish(page, live_server)
    login(page, manager)

    # When its charts are drawn
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function(
        "() => window.Chart && document.querySelector('canvas')"
        " && Chart.getChart(document.querySelector('canvas'))"
    )

    # Then each chart formats its numbers in Spanish
    locales = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map(c => Chart.getChart(c))"
        ".filter(Boolean).map(c => c.options.locale)"
    )
    assert locales and set(locales) == {"es"}, locales
    formatted = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas'))"
        ".scales.y.getLabelForValue(1234567.5)"
    )
    assert formatted == "1.234.567,5", formatted


def test_a_405_is_a_page_not_a_blank_screen(
    page: Page, live_server, login, manager, assert_accessible
):
    # Given a signed-in user
    login(page, manager)

    # When an action's address is opened as a link (GET on a POST-only view)
    answer = page.goto(f"{live_server.url}/notifications/read-all/")

    # Then a page says so, with the way back, instead of a blank screen
    assert answer.status == 405
    assert page.locator("h1").inner_text().strip()
    assert page.locator("a.btn-primary").count() == 1
    assert_accessible(page, context="405 page")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
