"""The planner pages by role: preview and save through the page, rate problems in words."""

import pytest
from django.test import Client

from alignment.models import Plan
from metrics.models import Target

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Q2",
    "revenue_goal": "20000",
    "start": "2026-04-01",
    "end": "2026-06-30",
    "lookback_start": "2026-01-01",
    "lookback_end": "2026-02-28",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_planner_page_is_for_managers(manager, rep, marketer):
    assert _client(manager).get("/plans/new/").status_code == 200
    for user in (rep, marketer):
        assert _client(user).get("/plans/new/").status_code == 403
        assert _client(user).post("/plans/new/", {**FORM, "action": "save"}).status_code == 403
    assert not Plan.objects.exists()


def test_plan_list_and_detail_are_read_by_every_role(refreshed, manager, rep, marketer):
    _client(manager).post("/plans/new/", {**FORM, "action": "save"})
    plan = Plan.objects.get()
    for user in (manager, rep, marketer):
        listed = _client(user).get("/plans/")
        assert listed.status_code == 200 and "Q2" in listed.content.decode()
        detail = _client(user).get(f"/plans/{plan.pk}/")
        assert detail.status_code == 200
    assert _client(rep).get("/plans/999999/").status_code == 404


def test_htmx_preview_shows_the_answer_and_saves_nothing(refreshed, manager):
    response = _client(manager).post(
        "/plans/new/",
        {**FORM, "action": "preview", "override_win_rate": "0.5"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="plan-chart"' in html and 'data-figure="opportunities"' in html
    assert "<html" not in html  # the fragment only
    assert "override" in html
    assert not Plan.objects.exists()


def test_save_writes_plan_and_targets_and_redirects(refreshed, manager):
    response = _client(manager).post("/plans/new/", {**FORM, "action": "save"})
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert Target.objects.filter(metric="leads").count() == 3
    page = _client(manager).get(response["Location"]).content.decode()
    assert 'id="plan-progress"' in page and 'id="plan-diagnosis"' in page


def test_missing_rate_is_a_sentence_not_an_error(refreshed, manager):
    response = _client(manager).post(
        "/plans/new/",
        {**FORM, "lookback_start": "2026-02-01", "action": "preview"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Accepted to opportunity is missing: no handoff was accepted in the look-back" in html


def test_zero_rate_is_a_sentence(refreshed, manager):
    response = _client(manager).post(
        "/plans/new/",
        {
            **FORM,
            "lookback_start": "2026-02-01",
            "override_accepted_to_opportunity": "0.5",
            "action": "preview",
        },
    )
    assert response.status_code == 400
    assert "MQL to accepted is zero: sales accepted none of the" in response.content.decode()


def test_field_errors_on_the_page(refreshed, manager):
    response = _client(manager).post("/plans/new/", {**FORM, "end": "2026-03-01", "action": "save"})
    assert response.status_code == 400
    assert "The end may not be before the start." in response.content.decode()
    assert not Plan.objects.exists()


def test_plans_list_query_count_is_constant(refreshed, manager, django_assert_num_queries):
    client = _client(manager)
    client.post("/plans/new/", {**FORM, "action": "save"})
    client.get("/plans/")
    with django_assert_num_queries(5):  # session, user, roles, plans, unread count
        client.get("/plans/")
    for n in range(4):
        client.post("/plans/new/", {**FORM, "name": f"P{n}", "action": "save"})
    with django_assert_num_queries(5):
        client.get("/plans/")
