"""The dashboard's rollup part is cached on the last refresh: a repeated view is a hit, and
a refresh, a target change, other filters or another language make a new key."""

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from metrics import dashboard_cache, refresh
from metrics.dashboard_page import filter_form
from metrics.freshness import refresh_status
from metrics.services import target_set
from tests.factories import CampaignFactory, lead_in_state
from tests.metrics.test_dashboard_views import _client, _history, _rollup_part, _tiles


def test_a_refresh_shows_the_new_numbers_on_the_next_view(manager, marketer, rep):
    # Given a dashboard already viewed (and cached) with 4 leads
    _history(marketer, rep, rows=1)
    client = _client(manager)
    assert _tiles(client.get(reverse("metrics:dashboard")).content.decode())["leads"] == "4"

    # When one more lead is captured and the refresh runs
    lead_in_state("new", marketer=marketer, campaign=CampaignFactory())
    refresh.refresh_dirty()

    # Then the next view shows 5: the refresh time is part of the key
    assert _tiles(client.get(reverse("metrics:dashboard")).content.decode())["leads"] == "5"


def test_a_target_set_after_a_view_shows_on_the_next_view(manager, marketer, rep):
    # Given a cached view of the year, with no target
    _history(marketer, rep, rows=1)
    client = _client(manager)
    year = {"preset": "last_12_months"}
    client.get(reverse("metrics:dashboard"), year)

    # When a manager sets this month's lead target (no refresh runs)
    target_set(actor=manager, month=timezone.localdate().replace(day=1), metric="leads", value=1000)

    # Then the next view is what a cold cache draws: the targets are part of the key
    after = client.get(reverse("metrics:dashboard"), year).content.decode()
    cache.clear()
    cold = client.get(reverse("metrics:dashboard"), year).content.decode()
    assert _rollup_part(after) == _rollup_part(cold)


def test_another_period_is_another_entry(manager, marketer, rep):
    _history(marketer, rep, rows=1)
    client = _client(manager)
    month = client.get(reverse("metrics:dashboard")).content.decode()
    year = client.get(reverse("metrics:dashboard"), {"preset": "last_12_months"}).content
    assert _rollup_part(year.decode()) != _rollup_part(month)


def test_the_key_holds_the_language_and_the_viewers_roles(rf, manager, rep):
    def key(user, language: str) -> str:
        request = rf.get("/dashboard/")
        request.user = user
        form = filter_form(request)
        assert form.is_valid()
        status = refresh_status()
        with translation.override(language):
            return dashboard_cache.fragment(request, form, status, {})["key"]

    assert key(manager, "en") == key(manager, "en")
    assert len({key(manager, "en"), key(manager, "es"), key(rep, "en")}) == 3
