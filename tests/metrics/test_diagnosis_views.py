"""The diagnosis page (every role reads it) and the dashboard's diagnosis panel, on the
hand-computed history of conftest.py: content, field errors, roles and a constant number
of queries."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from metrics import refresh
from metrics.diagnosis import decompose
from metrics.diagnosis_page import factor_rows, waterfall
from tests import factories

URL = reverse("metrics:diagnosis")
SPLIT = {
    "preset": "custom",
    "start": "2026-01-01",
    "end": "2026-02-15",
    "compare_start": "2026-01-01",
    "compare_end": "2026-01-31",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def refreshed(history):
    refresh.recompute_all()
    return history


@pytest.mark.parametrize("role", ["marketer", "rep", "manager"])
@pytest.mark.django_db
def test_every_role_reads_the_diagnosis(request, refreshed, role):
    # Given a user of each role
    user = request.getfixturevalue(role)
    # When they open the page for Jan 1 - Feb 15 against January
    r = _client(user).get(URL, SPLIT)
    # Then the headline, the six factors with their owners and the evidence are shown
    assert r.status_code == 200
    html = r.content.decode()
    assert "Revenue rose $12,000: mostly sales (average deal size), +$7,726" in html
    assert len(re.findall(r'<tr data-factor="', html)) == 6
    assert 'class="badge owner-handoff"' in html
    assert 'id="page-diagnosis-data"' in html and 'class="waterfall-chart"' in html
    for section in (
        "evidence-reps",
        "evidence-speed",
        "evidence-rejected-won",
        "evidence-campaign-rep",
    ):
        assert f'id="{section}"' in html
    assert 'data-bucket="4_24h"' in html and 'data-reason="no_budget"' in html
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html


@pytest.mark.django_db
def test_a_user_without_a_role_is_refused_and_anonymous_goes_to_sign_in(db):
    nobody = factories.UserFactory()
    assert _client(nobody).get(URL).status_code == 403
    r = Client().get(URL)
    assert r.status_code == 302 and "login" in r["Location"]


@pytest.mark.django_db
def test_a_zero_factor_shows_the_reason_instead_of_the_chart(refreshed, manager):
    # Given February (no MQL accepted in February) against January
    query = {**SPLIT, "start": "2026-02-01", "end": "2026-02-28"}
    html = _client(manager).get(URL, query).content.decode()
    assert "The factor “acceptance of MQLs” is 0 in the range" in html
    assert 'class="waterfall-chart"' not in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({**SPLIT, "compare_end": ""}, "compare_end"),
        ({**SPLIT, "compare_start": ""}, "compare_start"),
        ({**SPLIT, "compare_start": "2026-02-01", "compare_end": "2026-01-01"}, "compare_end"),
        ({**SPLIT, "start": "not a day"}, "start"),
    ],
)
@pytest.mark.django_db
def test_bad_ranges_are_field_errors_not_500(refreshed, manager, query, field):
    r = _client(manager).get(URL, query)
    assert r.status_code == 200
    html = r.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Fix the highlighted fields to see the diagnosis." in html


@pytest.mark.django_db
def test_default_page_is_last_month_against_the_month_before(refreshed, manager):
    r = _client(manager).get(URL)
    assert r.status_code == 200
    period, comparison = r.context["period"], r.context["comparison"]
    assert period.start.day == 1 and comparison.end.day in (28, 29, 30, 31)
    assert comparison.end < period.start


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_data(refreshed, manager, django_assert_max_num_queries):
    client = _client(manager)
    client.get(URL, SPLIT)  # warm the session and the user
    with django_assert_max_num_queries(20) as small:
        client.get(URL, SPLIT)
    for n in range(6):
        campaign = factories.CampaignFactory(name=f"More {n}")
        factories.lead_in_state("rejected", marketer=manager, rep=refreshed.b, campaign=campaign)
    refresh.recompute_all()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL, SPLIT)


@pytest.mark.django_db
def test_the_dashboard_panel_splits_the_dashboards_own_comparison(refreshed, manager):
    # Given the dashboard for Jan 1 - Feb 15 (compared with the 46 days before: no revenue)
    r = _client(manager).get(
        reverse("metrics:dashboard"),
        {"preset": "custom", "start": "2026-01-01", "end": "2026-02-15"},
    )
    html = r.content.decode()
    assert 'id="diagnosis"' in html and 'id="panel-diagnosis-headline"' in html
    assert "Revenue rose $14,000." in html  # no revenue before: no split, a reason instead
    panel = r.context["diagnosis"]()  # computed once, on a cache miss
    assert panel["reason_factor"]["range"] == "compare"
    assert "compare_start=2025-11-16" in panel["url"] and "compare_end=2025-12-31" in panel["url"]


def test_the_waterfall_runs_from_the_revenue_before_to_the_revenue_now():
    # Given twice the leads and twice the deal size: 100000 -> 400000, 150000 each
    base = {"leads": 100, "mqls": 50, "accepted": 40, "opportunities": 20, "customers": 10}
    before = {**base, "revenue": Decimal("100000")}
    now = {**{k: v * 2 for k, v in base.items()}, "revenue": Decimal("400000")}
    result = decompose(now, before)
    # When
    chart = waterfall(result, factor_rows(result))
    # Then the bars float from running total to running total
    spans = [(bar["from"], bar["to"]) for bar in chart["bars"]]
    assert spans == [
        (0.0, 100000.0),
        (100000.0, 250000.0),
        (250000.0, 250000.0),
        (250000.0, 250000.0),
        (250000.0, 250000.0),
        (250000.0, 250000.0),
        (250000.0, 400000.0),
        (0.0, 400000.0),
    ]
    assert [bar["owner"] for bar in chart["bars"]][1:4] == ["marketing", "marketing", "handoff"]
    assert chart["currency"] == "USD"
    assert waterfall(decompose(before, dict.fromkeys(before, 0)), []) is None
