"""The shared dashboard page: same numbers as the selectors for every role, filters with
field errors, sortable tables, CSV exports, overdue handoffs with reassign, and a constant
number of queries whatever the data size."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from handoff.models import Handoff, HandoffOutcome
from leads import services as leads_services
from metrics import dashboard, kpis, refresh, selectors
from tests.factories import CampaignFactory, lead_in_state

HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _history(marketer, rep, *, rows: int = 2) -> None:
    """`rows` campaigns, each with spend and a lead in every interesting state."""
    for n in range(rows):
        campaign = CampaignFactory(name=f"=Campaign {n}")
        leads_services.campaign_cost_add(
            campaign_id=campaign.pk,
            actor=marketer,
            date=timezone.localdate(),
            amount=Decimal("100.00"),
        )
        for state in ("handed_off", "accepted", "rejected", "converted"):
            lead_in_state(state, marketer=marketer, rep=rep, campaign=campaign)
    refresh.refresh_dirty()


def _tiles(body: str) -> dict[str, str]:
    """data-kpi -> data-value of every tile on the page."""
    import re

    return dict(re.findall(r'data-kpi="([a-z_]+)" data-value="([^"]*)"', body))


@pytest.mark.parametrize("role", ["manager", "marketer", "rep"])
def test_every_role_sees_the_same_numbers_as_kpi_summary(role, request, marketer, rep):
    # Given some history, refreshed into the rollups
    _history(marketer, rep)
    user = request.getfixturevalue(role)

    # When anyone opens the dashboard (the last 30 days by default)
    response = _client(user).get(reverse("metrics:dashboard"))

    # Then every tile holds the summary's value, formatted as the API formats it
    assert response.status_code == 200
    today = timezone.localdate()
    summary = selectors.kpi_summary(start=today - dt.timedelta(days=29), end=today)
    tiles = _tiles(response.content.decode())
    assert set(tiles) == set(dashboard.TILE_KEYS)
    for key, shown in tiles.items():
        expected = kpis.format_value(key, summary[key])
        assert shown == ("" if expected is None else str(expected)), key
    assert tiles["leads"] == "8" and tiles["customers"] == "0"


def test_a_custom_range_with_bad_dates_keeps_the_input_and_says_why(manager):
    response = _client(manager).get(
        reverse("metrics:dashboard"),
        {"preset": "custom", "start": "2026-02-10", "end": "2026-01-01"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The last day must be on or after the first day." in body
    assert 'value="2026-02-10"' in body
    assert "data-kpi=" not in body


def test_a_campaign_and_a_channel_at_once_is_refused_next_to_the_field(manager):
    campaign = CampaignFactory()
    body = (
        _client(manager)
        .get(reverse("metrics:dashboard"), {"campaign": campaign.pk, "channel": "email"})
        .content.decode()
    )
    assert "one at a time" in body


def test_a_filter_changes_the_numbers(manager, marketer, rep):
    _history(marketer, rep)
    campaign = CampaignFactory(name="Quiet")
    response = _client(manager).get(reverse("metrics:dashboard"), {"campaign": campaign.pk})
    tiles = _tiles(response.content.decode())
    assert tiles["leads"] == "0"
    assert tiles["cac"] == ""  # null under any filter


def test_htmx_filter_returns_only_the_body(manager):
    response = _client(manager).get(
        reverse("metrics:dashboard"),
        {"preset": "last_month"},
        HTTP_HX_TARGET="dashboard-body",
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body">')
    assert "<html" not in body


def test_breakdown_sorts_by_a_column_and_htmx_gets_just_that_table(manager, marketer, rep):
    _history(marketer, rep, rows=3)
    client = _client(manager)
    response = client.get(
        reverse("metrics:dashboard"),
        {"sort_campaign": "name"},
        HTTP_HX_TARGET="breakdown-campaign",
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card" id="breakdown-campaign"')
    assert body.index("=Campaign 0") < body.index("=Campaign 1") < body.index("=Campaign 2")
    assert 'aria-sort="ascending"' in body
    reverse_body = client.get(
        reverse("metrics:dashboard"),
        {"sort_campaign": "-name"},
        HTTP_HX_TARGET="breakdown-campaign",
        **HTMX,
    ).content.decode()
    assert reverse_body.index("=Campaign 2") < reverse_body.index("=Campaign 0")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


def test_campaign_csv_matches_the_breakdown_and_neutralises_formulas(manager, marketer, rep):
    _history(marketer, rep)
    response = _client(manager).get(reverse("metrics:export"), {"table": "campaign"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    names = [row[header.index("name")] for row in body]
    assert "'=Campaign 0" in names and "=Campaign 0" not in names
    today = timezone.localdate()
    breakdown = {
        row["name"]: row
        for row in selectors.kpi_breakdown(by="campaign", start=today.replace(day=1), end=today)
    }
    first = body[names.index("'=Campaign 0")]
    expected = breakdown["=Campaign 0"]
    assert first[header.index("leads")] == str(expected["leads"])
    assert first[header.index("marketing_spend")] == kpis.format_value(
        "marketing_spend", expected["marketing_spend"]
    )


@pytest.mark.parametrize(
    "table", ["summary", "funnel", "trends", "channel", "owner", "rejections", "overdue"]
)
def test_every_table_exports(manager, marketer, rep, table):
    _history(marketer, rep)
    response = _client(manager).get(reverse("metrics:export"), {"table": table})
    assert response.status_code == 200
    assert len(_csv(response)) >= 2 or table == "overdue"


def test_summary_csv_carries_every_tile(manager):
    rows = _csv(_client(manager).get(reverse("metrics:export"), {"table": "summary"}))
    assert {row[0] for row in rows[1:]} == set(dashboard.TILE_KEYS)


def test_an_unknown_export_goes_back_to_the_dashboard(manager):
    response = _client(manager).get(reverse("metrics:export"), {"table": "users"})
    assert response.status_code == 302


def _make_overdue(lead) -> Handoff:
    handoff = Handoff.objects.get(lead=lead, outcome=HandoffOutcome.PENDING)
    Handoff.objects.filter(pk=handoff.pk).update(sla_due_at=handoff.handed_off_at)
    return handoff


def test_manager_reassigns_an_overdue_handoff(manager, marketer, rep, other_rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    _make_overdue(lead)
    client = _client(manager)
    page = client.get(reverse("metrics:dashboard")).content.decode()
    assert f'id="overdue-{lead.pk}"' in page

    response = client.post(
        reverse("metrics:reassign", args=[lead.pk]),
        {f"reassign-{lead.pk}-assignee": other_rep.pk},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Reassigned" in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner_id == other_rep.pk
    assert (
        Handoff.objects.get(lead=lead, outcome=HandoffOutcome.PENDING).assignee_id == other_rep.pk
    )


def test_reassign_without_a_rep_says_so_next_to_the_field(manager, marketer, rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    _make_overdue(lead)
    response = _client(manager).post(
        reverse("metrics:reassign", args=[lead.pk]), {f"reassign-{lead.pk}-assignee": ""}, **HTMX
    )
    assert "This field is required." in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner_id == rep.pk


def test_reps_cannot_reassign(marketer, rep, other_rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    response = _client(rep).post(
        reverse("metrics:reassign", args=[lead.pk]), {f"reassign-{lead.pk}-assignee": other_rep.pk}
    )
    assert response.status_code == 403


def test_nothing_overdue_is_an_empty_state(manager):
    body = _client(manager).get(reverse("metrics:dashboard")).content.decode()
    assert "Nothing overdue" in body


@pytest.mark.parametrize("rows", [2, 20])
def test_dashboard_query_count_is_constant(
    manager, marketer, rep, rows, django_assert_max_num_queries
):
    _history(marketer, rep, rows=rows)
    for lead in [lead_in_state("handed_off", marketer=marketer, rep=rep) for _ in range(rows)]:
        _make_overdue(lead)
    client = _client(manager)
    with django_assert_max_num_queries(DASHBOARD_QUERIES) as captured:
        response = client.get(reverse("metrics:dashboard"), {"preset": "last_12_months"})
    body = response.content.decode()
    assert body.count('<tr id="overdue-') == rows
    assert len(captured) == DASHBOARD_QUERIES
    # The same view again: a cache hit (no summaries, trends, breakdowns, quotas)
    with django_assert_max_num_queries(DASHBOARD_CACHED_QUERIES) as again:
        repeated = client.get(reverse("metrics:dashboard"), {"preset": "last_12_months"})
    assert len(again) == DASHBOARD_CACHED_QUERIES
    assert _rollup_part(repeated.content.decode()) == _rollup_part(body)


@pytest.mark.parametrize("rows", [2, 20])
def test_breakdown_export_query_count_is_constant(
    manager, marketer, rep, rows, django_assert_max_num_queries
):
    _history(marketer, rep, rows=rows)
    client = _client(manager)
    with django_assert_max_num_queries(EXPORT_QUERIES) as captured:
        response = client.get(reverse("metrics:export"), {"table": "campaign"})
    assert len(_csv(response)) == rows + 2  # header, campaigns, unattributed
    assert len(captured) == EXPORT_QUERIES


# Measured, the same for 2 and 20 rows: session, user, roles, unread notifications,
# campaigns (filter form), the refresh status and the targets (the cache key), 2 summaries
# (4 each), targets, the five time series (3 queries for all of them), 3 breakdowns (4 each,
# fewer for channel), the reps' quotas, overdue handoffs, sales reps. Was 41 with a time
# series at 3 queries each.
DASHBOARD_QUERIES = 31
# A repeated view: the summaries, trends, breakdowns and quotas come from the cache.
DASHBOARD_CACHED_QUERIES = 9


def _rollup_part(body: str) -> str:
    """The cached fragment of the page: from the tiles to the charts' data."""
    return body[body.index('id="period-note"') : body.index('id="overdue"')]


# session, user, roles, campaigns (filter form), the campaign breakdown (without targets)
EXPORT_QUERIES = 6


def test_dates_are_inclusive_in_a_custom_range(manager, marketer, rep):
    _history(marketer, rep)
    today = timezone.localdate()
    response = _client(manager).get(
        reverse("metrics:dashboard"),
        {"preset": "custom", "start": today.isoformat(), "end": today.isoformat()},
    )
    assert _tiles(response.content.decode())["leads"] == "8"
    yesterday = today - dt.timedelta(days=1)
    response = _client(manager).get(
        reverse("metrics:dashboard"),
        {"preset": "custom", "start": yesterday.isoformat(), "end": yesterday.isoformat()},
    )
    assert _tiles(response.content.decode())["leads"] == "0"


@pytest.mark.parametrize("rows", [2, 20])
def test_sorted_breakdown_partial_query_count_is_constant(
    manager, marketer, rep, rows, django_assert_max_num_queries
):
    _history(marketer, rep, rows=rows)
    client = _client(manager)
    with django_assert_max_num_queries(BREAKDOWN_PARTIAL_QUERIES) as captured:
        response = client.get(
            reverse("metrics:dashboard"),
            {"sort_campaign": "-revenue"},
            HTTP_HX_TARGET="breakdown-campaign",
            **HTMX,
        )
    assert response.content.decode().count("<tr>") == rows + 2  # header, campaigns, unattributed
    assert len(captured) == BREAKDOWN_PARTIAL_QUERIES


@pytest.mark.parametrize("rows", [2, 20])
def test_overdue_after_reassign_and_its_export_have_constant_query_counts(
    manager, marketer, rep, other_rep, rows, django_assert_max_num_queries
):
    leads = [lead_in_state("handed_off", marketer=marketer, rep=rep) for _ in range(rows)]
    for lead in leads:
        _make_overdue(lead)
    client = _client(manager)
    client.get(reverse("metrics:dashboard"))  # warm the session
    with django_assert_max_num_queries(REASSIGN_QUERIES) as reassign:
        response = client.post(
            reverse("metrics:reassign", args=[leads[0].pk]),
            {f"reassign-{leads[0].pk}-assignee": other_rep.pk},
            **HTMX,
        )
    assert response.content.decode().count('<tr id="overdue-') == rows - 1
    with django_assert_max_num_queries(OVERDUE_EXPORT_QUERIES) as export:
        rows_out = _csv(client.get(reverse("metrics:export"), {"table": "overdue"}))
    assert len(rows_out) == rows  # header + the rows - 1 still overdue
    assert (len(reassign), len(export)) == (REASSIGN_QUERIES, OVERDUE_EXPORT_QUERIES)


# session, user, roles, campaigns (filter form), the campaign breakdown (measured: 6)
BREAKDOWN_PARTIAL_QUERIES = 6
# The move (lock, checks, handoff rows, audit event, notification, rollup cells) and the
# overdue list after it: the same 22 for 2 and 20 overdue rows.
REASSIGN_QUERIES = 22
# session, user, roles, the overdue handoffs with their leads, campaigns and reps
OVERDUE_EXPORT_QUERIES = 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"preset": "custom", "start": "0001-01-01", "end": "0001-12-31"}, "start"),
        ({"preset": "custom", "start": "2026-01-01", "end": "9999-12-31"}, "end"),
        ({"preset": "custom", "start": "yesterday", "end": "2026-01-01"}, "start"),
        ({"preset": "custom"}, "start"),
        ({"preset": "fortnight"}, "preset"),
        ({"campaign": "999999"}, "campaign"),
        ({"campaign": "x'; drop"}, "campaign"),
        ({"channel": "carrier_pigeon"}, "channel"),
    ],
)
def test_bad_filters_are_field_errors_never_a_500(manager, params, field):
    client = _client(manager)
    for extra in ({}, {"HTTP_HX_TARGET": "dashboard-body", **HTMX}):
        response = client.get(reverse("metrics:dashboard"), params, **extra)
        assert response.status_code == 200
        body = response.content.decode()
        assert f'id="field-{field}"' in body
        assert 'class="field has-error' in body.split(f'id="field-{field}"')[0].rsplit("<div", 1)[1]
    export = client.get(reverse("metrics:export"), {**params, "table": "summary"})
    assert export.status_code == 302


def test_reassigning_a_lead_that_does_not_exist_is_a_404(manager, other_rep):
    response = _client(manager).post(
        reverse("metrics:reassign", args=[987654]), {"reassign-987654-assignee": other_rep.pk}
    )
    assert response.status_code == 404


def test_reassigning_a_lead_that_is_no_longer_pending_is_a_message(
    manager, marketer, rep, other_rep
):
    lead = lead_in_state("accepted", marketer=marketer, rep=rep)
    response = _client(manager).post(
        reverse("metrics:reassign", args=[lead.pk]),
        {f"reassign-{lead.pk}-assignee": other_rep.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'class="row-error" role="alert"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner_id == rep.pk
