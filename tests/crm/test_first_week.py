"""First-week fixes, without a browser: a favicon, a 405 page (the API keeps JSON), no
"p.m.." in the dashboard's as-of note."""

import datetime as dt

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metrics.models import RefreshState


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def test_every_page_links_a_favicon_that_exists(manager_client):
    # When a page is served
    html = manager_client.get(reverse("notifications:list")).content.decode()
    # Then it links the SVG icon, the file exists, and /favicon.ico leads to it
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert finders.find("favicon.svg")
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"] == "/static/favicon.svg"


def test_405_outside_the_api_is_a_page_with_allow(manager_client):
    # When a POST-only page is opened with GET
    answer = manager_client.get(reverse("notifications:read_all"))
    # Then it is a page of the app saying what happened, and Allow names the method
    assert answer.status_code == 405
    assert answer["Allow"] == "POST"
    assert answer.templates[0].name == "405.html"
    assert b"Back to your workspace" in answer.content


def test_405_in_the_api_stays_json(manager):
    # Given an API client (session without CSRF checks, as in tests)
    client = Client()
    client.force_login(manager)
    # When a method the endpoint does not take is used
    answer = client.delete("/api/v1/leads/")
    # Then the answer is DRF's JSON, not the page
    assert answer.status_code == 405
    assert answer["Content-Type"].startswith("application/json")
    assert "detail" in answer.json()


def test_dashboard_as_of_note_has_no_double_period_after_pm(manager_client, settings):
    # Given numbers computed at 3 p.m. (English shows "p.m.")
    afternoon = timezone.make_aware(dt.datetime(2026, 11, 20, 15, 5))
    RefreshState.objects.update_or_create(pk=1, defaults={"refreshed_at": afternoon})
    # When the dashboard is read in English
    html = manager_client.get(reverse("metrics:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content
    # Then the note shows the time once, with no "p.m.." (or "a.m..")
    assert b"3:05 p.m." in html
    assert b"p.m.." not in html and b"a.m.." not in html
