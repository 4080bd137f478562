"""Lead quality per campaign and channel: the shrinkage, the trend and the top reasons."""

import datetime as dt
from fractions import Fraction

import pytest

from leads.models import Channel
from metrics import refresh
from metrics.models import CampaignDay
from metrics.quality import PRIOR_WEIGHT, campaign_quality, channel_quality, window
from tests import factories

pytestmark = pytest.mark.django_db
K = Fraction(int(PRIOR_WEIGHT))


def rollup(campaign, day, **counts) -> None:
    """One day's rollup row. The score reads only the rollups; how facts become rollups is
    tested in test_refresh_property.py and test_hand_computed.py."""
    CampaignDay.objects.create(campaign=campaign, day=day, **counts)


def test_window_is_whole_calendar_months_cut_at_the_end():
    assert window(dt.date(2026, 6, 15), 6) == (dt.date(2026, 1, 1), dt.date(2026, 6, 15))
    assert window(dt.date(2026, 3, 31), 1) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with pytest.raises(ValueError):
        window(dt.date(2026, 3, 31), 0)


def test_three_perfect_leads_rank_below_two_hundred_good_ones(django_assert_num_queries):
    # Given a 3-lead perfect campaign, a 200-lead good one and a 200-lead poor one
    perfect = factories.CampaignFactory(name="Perfect", channel=Channel.WEBINAR)
    good = factories.CampaignFactory(name="Good", channel=Channel.PAID_SEARCH)
    poor = factories.CampaignFactory(name="Poor", channel=Channel.PAID_SEARCH)
    day = dt.date(2026, 5, 10)
    rollup(perfect, day, accepted=3, rating_count=3, rating_sum=15, customers=3)
    rollup(
        good,
        day,
        accepted=170,
        rejected=30,
        rating_count=200,
        rating_sum=800,
        customers=60,
        lost=40,
    )
    rollup(
        poor,
        day,
        accepted=80,
        rejected=120,
        rating_count=200,
        rating_sum=400,
        customers=20,
        lost=80,
    )
    factories.CampaignFactory(name="Silent", channel=Channel.SEO)
    # When (two queries, whatever the number of campaigns)
    with django_assert_num_queries(2):
        rows = campaign_quality(end=dt.date(2026, 6, 30))
    # Then the good campaign tops the list; the perfect one is pulled to the mean
    assert [r["campaign"] for r in rows] == ["Good", "Perfect", "Poor", "Silent"]
    by_name = {r["campaign"]: r for r in rows}
    assert by_name["Perfect"]["acceptance_rate"] == 1 and by_name["Perfect"]["sample"] == 3
    assert by_name["Perfect"]["avg_rating"] == 5 and by_name["Perfect"]["win_rate"] == 1
    assert by_name["Silent"]["score"] is None and by_name["Silent"]["sample"] == 0
    # the formula by hand for the perfect one
    mean_acc = Fraction(253, 403)
    mean_rating = Fraction(3 + 150 + 50, 403)  # (r - 1) / 4: 1 each, 0.75 each, 0.25 each
    mean_win = Fraction(83, 203)
    expected = (
        (3 + K * mean_acc) / (3 + K)
        + (3 + K * mean_rating) / (3 + K)
        + (3 + K * mean_win) / (3 + K)
    ) / 3
    assert by_name["Perfect"]["score"] == pytest.approx(float(expected), abs=1e-12)
    assert 0 < by_name["Poor"]["score"] < by_name["Perfect"]["score"] < by_name["Good"]["score"] < 1
    assert by_name["Good"]["campaign_id"] == good.pk and by_name["Good"]["channel"] == "paid_search"


def test_channel_variant_groups_campaigns_by_channel(django_assert_num_queries):
    good = factories.CampaignFactory(name="Good", channel=Channel.PAID_SEARCH)
    poor = factories.CampaignFactory(name="Poor", channel=Channel.PAID_SEARCH)
    webinar = factories.CampaignFactory(name="Webinar", channel=Channel.WEBINAR)
    day = dt.date(2026, 5, 10)
    rollup(good, day, accepted=10, rating_count=10, rating_sum=50, customers=5)
    rollup(
        poor,
        day,
        rejected=10,
        rating_count=10,
        rating_sum=10,
        lost=5,
        rejected_not_a_fit=6,
        rejected_spam=4,
    )
    rollup(webinar, day, accepted=9, rejected=1, rejected_no_budget=1)
    with django_assert_num_queries(2):
        rows = channel_quality(end=dt.date(2026, 5, 31))
    assert [r["channel"] for r in rows] == ["webinar", "paid_search"]
    search = rows[1]
    assert search["sample"] == 20 and search["acceptance_rate"] == 0.5
    assert search["avg_rating"] == 3 and search["win_rate"] == 0.5
    assert [r["code"] for r in search["top_reasons"]] == ["not_a_fit", "spam"]
    assert search["label"] == "Paid search"


def test_trend_and_top_reasons_on_the_hand_computed_history(history):
    # Given the history of conftest.py (January and February 2026), refreshed
    refresh.recompute_all()
    # When
    rows = {r["campaign"]: r for r in campaign_quality(end=dt.date(2026, 2, 28), months=3)}
    # Then C1: accepted H1 (4) and H9 (5) in January; H2 rejected (no_budget, 2) and
    # O1, O9 won in February. Population: 4 accepted, 3 rejected; ratings 4 5 2 5 1 3;
    # 3 won, 1 lost.
    c1 = rows["C1 search"]
    mean = {"acc": Fraction(4, 7), "rating": Fraction(20 - 6, 4 * 6), "win": Fraction(3, 4)}

    def score(acc, rej, ratings, rating_sum, won, lost):
        parts = (
            (acc + K * mean["acc"]) / (acc + rej + K),
            (Fraction(rating_sum - ratings, 4) + K * mean["rating"]) / (ratings + K),
            (won + K * mean["win"]) / (won + lost + K),
        )
        return float(sum(parts) / 3)

    assert c1["score"] == pytest.approx(score(2, 1, 3, 11, 2, 0), abs=1e-12)
    assert c1["sample"] == 3 and float(c1["avg_rating"]) == pytest.approx(11 / 3)
    assert [p["month"] for p in c1["trend"]] == [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert c1["trend"][0]["score"] is None
    assert c1["trend"][1]["score"] == pytest.approx(score(2, 0, 2, 9, 0, 0), abs=1e-12)
    assert c1["trend"][2]["score"] == pytest.approx(score(0, 1, 1, 2, 2, 0), abs=1e-12)
    assert c1["top_reasons"] == [{"code": "no_budget", "label": "No budget", "count": 1}]
    assert rows["C3 webinar"]["top_reasons"][0]["code"] == "not_a_fit"
    assert rows["C2 search"]["win_rate"] == 0
