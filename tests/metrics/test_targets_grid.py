"""Targets and quotas: per-rep targets, the grid page, prorated targets for a quarter and a
45-day range, quota attainment on the dashboard and a rep's quota strip."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from leads.errors import InvalidInput
from metrics import dashboard, selectors, services
from metrics.models import Target
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _year_of(actor, value, **scope):
    for month in range(1, 13):
        services.target_set(
            actor=actor, month=D(2026, month, 1), metric="customers", value=value, **scope
        )


# ---------------------------------------------------------------- model and service


def test_per_rep_targets_are_separate_from_overall_and_channel(manager, rep):
    services.target_set(actor=manager, month=D(2026, 3, 1), metric="revenue", value="1000")
    services.target_set(
        actor=manager, month=D(2026, 3, 1), metric="revenue", value="400", owner=rep.pk
    )
    services.target_set(
        actor=manager, month=D(2026, 3, 1), metric="revenue", value="300", channel="seo"
    )
    again = services.target_set(
        actor=manager, month=D(2026, 3, 1), metric="revenue", value="450", owner=rep.pk
    )
    assert Target.objects.count() == 3
    assert again.value == Decimal("450") and again.updated_by == manager
    mine = selectors.targets_for(start=D(2026, 3, 1), end=D(2026, 3, 31), owner=rep.pk)
    assert [t.value for t in mine] == [Decimal("450")]
    overall = selectors.targets_for(start=D(2026, 3, 1), end=D(2026, 3, 31))
    assert [t.value for t in overall] == [Decimal("1000")]


def test_unique_per_rep_and_never_for_a_channel_and_a_rep_at_once(manager, rep):
    Target.objects.create(month=D(2026, 1, 1), metric="leads", value=1, owner=rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(month=D(2026, 1, 1), metric="leads", value=2, owner=rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            month=D(2026, 2, 1), metric="leads", value=2, owner=rep, channel="seo"
        )
    with pytest.raises(InvalidInput):
        services.target_set(
            actor=manager, month=D(2026, 2, 1), metric="leads", value=1, channel="seo", owner=rep.pk
        )


def test_grid_save_is_all_or_nothing(manager, rep):
    cells = {("leads", D(2026, 1, 1)): "10", ("leads", D(2026, 2, 1)): "-1"}
    with pytest.raises(InvalidInput) as refused:
        services.targets_save(actor=manager, cells=cells, owner=rep.pk)
    assert list(refused.value.errors) == ["leads-2026-02"]
    assert not Target.objects.exists()


# ---------------------------------------------------------------- prorated by day


def test_a_quarter_sums_its_three_months(manager, rep):
    # Given a rep's quota of 3, 6 and 9 customers in April, May and June
    for month, value in ((4, 3), (5, 6), (6, 9)):
        services.target_set(
            actor=manager, month=D(2026, month, 1), metric="customers", value=value, owner=rep.pk
        )
    monthly = selectors.targets_for(start=D(2026, 4, 1), end=D(2026, 6, 30), owner=rep.pk)
    # when the range is the quarter, the target is the sum
    assert dashboard.range_targets(monthly, D(2026, 4, 1), D(2026, 6, 30)) == {
        "customers": Decimal("18")
    }


def test_a_45_day_range_prorates_each_month_by_its_days(manager):
    # Given a channel's revenue targets of 3100 in January and 2800 in February
    services.target_set(
        actor=manager, month=D(2026, 1, 1), metric="revenue", value="3100", channel="seo"
    )
    services.target_set(
        actor=manager, month=D(2026, 2, 1), metric="revenue", value="2800", channel="seo"
    )
    # when the range is Jan 10..Feb 23 (45 days: 22 of January's 31, 23 of February's 28)
    monthly = selectors.targets_for(start=D(2026, 1, 10), end=D(2026, 2, 23), channel="seo")
    got = dashboard.range_targets(monthly, D(2026, 1, 10), D(2026, 2, 23))
    # then 3100 x 22/31 + 2800 x 23/28 = 2200 + 2300
    assert got == {"revenue": Decimal("4500")}


# ---------------------------------------------------------------- pages


def test_targets_grid_page_is_for_managers(manager, rep, marketer):
    assert _client(manager).get("/targets/").status_code == 200
    for user in (rep, marketer):
        assert _client(user).get("/targets/").status_code == 403
        assert _client(user).post("/targets/", {"leads-2026-01": "5"}).status_code == 403
    assert not Target.objects.exists()


def test_targets_grid_saves_a_reps_quota_and_shows_it(manager, rep):
    client = _client(manager)
    response = client.post(
        "/targets/",
        {
            "scope": f"owner:{rep.pk}",
            "year": "2026",
            "customers-2026-03": "4",
            "revenue-2026-03": "25000",
        },
    )
    assert response.status_code == 302
    quota = Target.objects.get(metric="revenue", owner=rep)
    assert quota.value == Decimal("25000") and quota.updated_by == manager
    page = client.get(f"/targets/?scope=owner:{rep.pk}&year=2026").content.decode()
    assert 'value="25000"' in page and 'value="4"' in page
    # a blank cell removes the target
    client.post("/targets/", {"scope": f"owner:{rep.pk}", "year": "2026", "revenue-2026-03": ""})
    assert not Target.objects.filter(metric="revenue").exists()


def test_targets_grid_shows_errors_per_cell_and_writes_nothing(manager):
    response = _client(manager).post(
        "/targets/",
        {"scope": "overall", "year": "2026", "leads-2026-01": "2.5", "mqls-2026-01": "3"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="cell-leads-2026-01-error"' in html and "whole number" in html
    assert not Target.objects.exists()


def test_targets_grid_query_count_is_constant(manager, django_assert_num_queries):
    client = _client(manager)
    client.get("/targets/?year=2026")
    with django_assert_num_queries(6):
        client.get("/targets/?year=2026")
    _year_of(manager, 5)
    for _n in range(3):
        factories.UserFactory(role="sales")
    with django_assert_num_queries(6):
        client.get("/targets/?year=2026")


def test_quota_strip_for_a_rep(manager, rep, marketer):
    today = dt.date.today()
    services.target_set(
        actor=manager, month=today.replace(day=1), metric="customers", value=5, owner=rep.pk
    )
    html = _client(rep).get("/quota/mine/").content.decode()
    assert 'data-quota="customers"' in html and "0 of 5" in html
    assert _client(marketer).get("/quota/mine/").status_code == 403
    inbox = _client(rep).get("/inbox/").content.decode()
    assert 'hx-get="/quota/mine/"' in inbox


def test_dashboard_by_rep_table_shows_quota_attainment(manager, marketer, rep):
    # Given a rep with one handoff this month and a quota of 4 customers for the month
    from metrics import refresh
    from tests.factories import lead_in_state

    lead_in_state("accepted", marketer=marketer, rep=rep)
    refresh.recompute_all()
    today = dt.date.today()
    services.target_set(
        actor=manager, month=today.replace(day=1), metric="customers", value=4, owner=rep.pk
    )
    # When the manager opens the dashboard for this month (the default is the last 30 days)
    html = _client(manager).get("/dashboard/?preset=this_month").content.decode()
    # Then the by-rep table has the quota columns, 0 of 4 customers read as 0.0%
    assert "Customers vs quota" in html and "Revenue vs quota" in html
    assert 'data-key="quota_customers">0.0%' in html
    assert 'data-key="quota_revenue">—' in html  # no revenue quota: nothing to compare


def test_target_changes_are_audited_with_before_and_after(manager):
    # Given a target set once
    from leads.audit import setting_changes
    from metrics import services as metric_services

    month = dt.date(2026, 3, 1)
    metric_services.target_set(actor=manager, month=month, metric="leads", value="100")
    # When it is raised, then removed through the grid
    metric_services.target_set(actor=manager, month=month, metric="leads", value="120")
    metric_services.targets_save(actor=manager, cells={("leads", month): ""})
    # Then the history holds the three changes, newest first, each with its values
    rows = list(setting_changes(area="targets"))
    assert [row.action for row in rows] == ["deleted", "updated", "created"]
    assert rows[1].before == {"value": "100.0000"} and rows[1].after == {"value": "120.0000"}
    assert rows[0].before == {"value": "120.0000"} and rows[0].actor == manager


def test_a_huge_target_is_a_field_error_not_a_crash(manager):
    from metrics import services as metric_services

    with pytest.raises(InvalidInput) as refused:
        metric_services.target_set(
            actor=manager, month=dt.date(2026, 3, 1), metric="revenue", value="1e30"
        )
    assert "value" in refused.value.errors
    assert not Target.objects.exists()
