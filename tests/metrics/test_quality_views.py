"""Lead quality on marketing's campaign pages: the sortable column on the list, and the
score, trend and top reasons on a campaign's page; marketing and managers only."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metrics.models import CampaignDay
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def campaigns():
    """Rollup rows of this month (the score reads only the rollups): a 3-lead perfect
    campaign, a 200-lead good one and one without answers."""
    day = timezone.localdate()
    perfect = factories.CampaignFactory(name="Perfect three", start_date=day)
    good = factories.CampaignFactory(name="Good two hundred", start_date=day)
    silent = factories.CampaignFactory(name="Silent", start_date=day)
    poor = factories.CampaignFactory(name="Poor two hundred", start_date=day)
    CampaignDay.objects.create(
        campaign=perfect, day=day, accepted=3, rating_count=3, rating_sum=15, customers=3
    )
    CampaignDay.objects.create(
        campaign=good,
        day=day,
        accepted=170,
        rejected=30,
        rating_count=200,
        rating_sum=800,
        customers=60,
        lost=40,
        rejected_no_budget=20,
        rejected_not_a_fit=7,
        rejected_spam=3,
        rejected_other=1,
    )
    CampaignDay.objects.create(
        campaign=poor,
        day=day,
        accepted=80,
        rejected=120,
        rating_count=200,
        rating_sum=400,
        customers=20,
        lost=80,
        rejected_not_a_fit=120,
    )
    return {"perfect": perfect, "good": good, "silent": silent, "poor": poor}


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/campaigns/\d+/">([^<]+)</a>', html)


def test_list_sorts_by_quality_best_then_worst_first(marketer, campaigns):
    client = _client(marketer)
    url = reverse("metrics:campaign_list")
    # Given the list by name, with a quality column
    html = client.get(url).content.decode()
    assert 'id="quality-column"' in html and 'id="quality-note"' in html
    # When sorted by quality: best first, the perfect three below the good two hundred
    html = client.get(url, {"sort": "-quality"}).content.decode()
    assert _names(html) == ["Good two hundred", "Perfect three", "Poor two hundred", "Silent"]
    assert 'aria-sort="descending"' in html and "sort=quality" in html
    # Then worst first (no score stays last)
    html = client.get(url, {"sort": "quality"}).content.decode()
    assert _names(html) == ["Poor two hundred", "Perfect three", "Good two hundred", "Silent"]
    assert 'aria-sort="ascending"' in html
    # and the channels, best first
    channels = re.findall(r'<tr data-channel="(\w+)">', html)
    assert channels and len(channels) == len(set(channels))


def test_campaign_page_shows_score_trend_and_top_reasons(manager, campaigns):
    good = campaigns["good"]
    html = _client(manager).get(reverse("metrics:campaign_detail", args=[good.pk])).content.decode()
    assert 'id="quality-score"' in html and "200 answered leads" in html
    reasons = re.search(r'<ol id="quality-reasons">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r"<li>([^:]+):", reasons) == ["No budget", "Not a fit", "Spam"]
    assert 'id="quality-data"' in html and 'id="quality-trend-table"' in html
    rows = re.search(r'id="quality-trend-table">(.*?)</table>', html, re.S).group(1)
    assert rows.count("<tr>") == 7  # the header and six months
    assert " style=" not in html.split('id="campaign-quality"')[1]


def test_campaign_page_without_answers_says_there_is_no_score_yet(marketer, campaigns):
    url = reverse("metrics:campaign_detail", args=[campaigns["silent"].pk])
    html = _client(marketer).get(url).content.decode()
    assert 'id="quality-none"' in html and 'id="quality-score"' not in html


@pytest.mark.parametrize("role", ["rep"])
def test_reps_do_not_see_marketings_campaign_pages(request, campaigns, role):
    client = _client(request.getfixturevalue(role))
    assert client.get(reverse("metrics:campaign_list")).status_code == 403
    url = reverse("metrics:campaign_detail", args=[campaigns["good"].pk])
    assert client.get(url).status_code == 403


def test_quality_window_follows_the_chosen_period(marketer, campaigns):
    # Given a period that ended a year ago: no answers in its six months
    end = timezone.localdate() - dt.timedelta(days=400)
    query = {
        "preset": "custom",
        "start": (end - dt.timedelta(days=30)).isoformat(),
        "end": end.isoformat(),
    }
    html = _client(marketer).get(reverse("metrics:campaign_list"), query).content.decode()
    assert 'data-quality=""' in html and "/ 100" not in html.split('id="campaign-table"')[1]
