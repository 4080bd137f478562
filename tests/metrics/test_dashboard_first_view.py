"""The dashboard's first view (issue 12): the last 30 days by default (on the 1st of a month
too), trends over the chosen range by day / week / month, "new" against a zero or near-zero
previous value, totals rows, "—" where a ratio means nothing, a rep filter, and the query
count of the page not above its pin."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff.services.opportunities import opportunity_win
from leads import services as leads_services
from leads.models import Opportunity
from metrics import dashboard, dateranges, kpis, refresh, selectors
from metrics.dashboard_page import breakdown_table
from metrics.dateranges import Period
from metrics.forms import DashboardFilterForm
from tests.factories import CampaignFactory, lead_in_state
from tests.metrics.test_dashboard_views import DASHBOARD_QUERIES, _client, _history, _tiles

FIRST_OF_DECEMBER = dt.date(2026, 12, 1)


# --- pure rules -------------------------------------------------------------------------


def test_the_default_range_on_the_first_of_a_month_is_the_last_30_days():
    # Given no preset chosen, on the 1st of a month
    form = DashboardFilterForm({}, today=FIRST_OF_DECEMBER)

    # Then the range is 30 days ending today, compared with the 30 days before
    assert form.is_valid(), form.errors
    assert form.cleaned_data["preset"] == dateranges.LAST_30_DAYS
    assert form.period() == Period(dt.date(2026, 11, 2), FIRST_OF_DECEMBER)
    assert form.previous() == Period(dt.date(2026, 10, 3), dt.date(2026, 11, 1))
    assert form.period().days == form.previous().days == 30


@pytest.mark.parametrize(
    ("days", "interval"),
    [
        (1, "day"),
        (30, "day"),
        (62, "day"),
        (63, "week"),
        (186, "week"),
        (187, "month"),
        (365, "month"),
    ],
)
def test_the_trend_interval_follows_the_length_of_the_range(days, interval):
    end = FIRST_OF_DECEMBER
    assert dateranges.trend_interval(Period(end - dt.timedelta(days=days - 1), end)) == interval


@pytest.mark.parametrize(
    ("now", "before", "new", "amount"),
    [
        (5, 0, True, None),  # from nothing
        (127774, 100, True, None),  # +127,673%: the previous figure is near zero
        (1000, 49, True, None),  # under 5% of the current value
        (1000, 50, False, Decimal("19")),  # 5%: a percentage again (+1,900%)
        (150, 100, False, Decimal("0.5")),
        (0, 0, False, None),
        (0, 10, False, Decimal("-1")),
    ],
)
def test_a_change_against_a_zero_or_near_zero_previous_value_is_new(now, before, new, amount):
    change = dashboard.change("leads", now, before)
    assert change.new is new
    assert change.amount == amount


def test_rates_keep_their_change_in_points_even_from_zero():
    change = dashboard.change("win_rate", Decimal("0.5"), Decimal("0"))
    assert change.new is False and change.amount == Decimal("50.0")


def test_totals_add_the_parts_and_recompute_the_ratios():
    one = {"marketing_spend": Decimal("100"), "leads": 4, "rejections": {"no_budget": 1}}
    two = {"marketing_spend": Decimal("50"), "leads": 2, "rejections": {"no_budget": 2, "x": 1}}
    total = kpis.add_parts([one, two])
    assert total == {
        "marketing_spend": Decimal("150"),
        "leads": 6,
        "rejections": {"no_budget": 3, "x": 1},
    }
    assert kpis.add_parts([{"marketing_spend": None}, {"marketing_spend": None}]) == {
        "marketing_spend": None
    }


# --- the page -----------------------------------------------------------------------------


def _form(**data) -> DashboardFilterForm:
    form = DashboardFilterForm({"preset": "last_30_days", **data}, reps=list)
    assert form.is_valid(), form.errors
    return form


def _cells(cells) -> dict:
    return {cell["key"]: cell["value"] for cell in cells}


def test_the_campaign_table_has_a_totals_row_and_dashes_on_the_unattributed_ratios(
    manager, marketer, rep
):
    # Given two campaigns with 100.00 spend and four leads each, and two leads without one
    _history(marketer, rep)
    for _ in range(2):
        lead_in_state("new", marketer=marketer, campaign=None, campaign_id=None)
    refresh.refresh_dirty()

    # When the campaign table is built
    table = breakdown_table(_form(), "campaign", "")

    # Then the unattributed row has no cost per lead, paid CAC or ROMI ...
    unattributed = next(row for row in table["rows"] if row["name"] == "Unattributed")
    cells = _cells(unattributed["cells"])
    assert cells["leads"] == 2
    assert cells["cost_per_lead"] is None and cells["paid_cac"] is None and cells["romi"] is None
    # ... and the totals row adds every row: 200.00 over 10 leads
    total = _cells(table["total"])
    assert total["marketing_spend"] == Decimal("200.00")
    assert total["leads"] == 10
    assert total["cost_per_lead"] == Decimal("20")
    assert total["opportunities"] == 2 and total["mqls"] == 8

    # And the page shows them: "Total" in a footer, "—" in the unattributed row
    body = _client(manager).get(reverse("metrics:dashboard")).content.decode()
    campaign_table = body.split('id="breakdown-campaign"')[1].split("</section>")[0]
    footer = campaign_table.split("<tfoot>")[1].split("</tfoot>")[0]
    assert "Total" in footer and "$200.00" in footer
    row = campaign_table.split("<strong>Unattributed</strong>")[1].split("</tr>")[0]
    assert re.search(r'data-key="cost_per_lead">—\s*<', row)
    assert re.search(r'data-key="paid_cac">—\s*<', row)
    for by in ("channel", "owner"):
        section = body.split(f'id="breakdown-{by}"')[1].split("</section>")[0]
        assert "<tfoot>" in section, by


def test_the_rep_filter_shows_that_rep_s_numbers(manager, marketer, rep, other_rep):
    # Given history handed to one rep and a lead handed to another
    _history(marketer, rep)
    lead_in_state("accepted", marketer=marketer, rep=other_rep)
    refresh.refresh_dirty()
    today = timezone.localdate()

    # When the manager picks the other rep
    response = _client(manager).get(reverse("metrics:dashboard"), {"owner": other_rep.pk})

    # Then the tiles are that rep's, the rep table holds that rep alone, spend is not shown
    body = response.content.decode()
    summary = selectors.kpi_summary(
        start=today - dt.timedelta(days=29), end=today, owner=other_rep.pk
    )
    tiles = _tiles(body)
    assert tiles["accepted"] == str(summary["accepted"]) == "1"
    assert tiles["marketing_spend"] == ""
    rep_table = body.split('id="breakdown-owner"')[1].split("</section>")[0]
    assert rep_table.count("<tr>") == 2  # header and the one rep
    assert "does not take the rep filter" in body
    assert f'<option value="{other_rep.pk}" selected>' in body


def test_a_rep_and_a_campaign_at_once_is_refused(manager, rep):
    campaign = CampaignFactory()
    body = (
        _client(manager)
        .get(reverse("metrics:dashboard"), {"campaign": campaign.pk, "owner": rep.pk})
        .content.decode()
    )
    assert "one at a time" in body and "data-kpi=" not in body


def test_an_unknown_rep_is_a_field_error_not_a_500(manager):
    response = _client(manager).get(reverse("metrics:dashboard"), {"owner": "999999"})
    assert response.status_code == 200
    assert "data-kpi=" not in response.content.decode()


def test_the_first_view_compares_30_days_and_trends_by_day(manager, marketer, rep):
    _history(marketer, rep)
    body = _client(manager).get(reverse("metrics:dashboard")).content.decode()
    assert '<option value="last_30_days" selected>' in body
    assert "Trends by day" in body
    trends = body.split('id="trends"')[1].split("</section>")[0]
    assert trends.count("<tr>") == 31  # header and 30 days
    year = _client(manager).get(reverse("metrics:dashboard"), {"preset": "last_12_months"})
    assert "Trends by month" in year.content.decode()
    quarter = _client(manager).get(
        reverse("metrics:dashboard"),
        {
            "preset": "custom",
            "start": (timezone.localdate() - dt.timedelta(days=89)).isoformat(),
            "end": timezone.localdate().isoformat(),
        },
    )
    assert "Trends by week" in quarter.content.decode()


def test_a_kpi_from_nothing_reads_new_on_its_tile(manager, marketer, rep):
    # Given leads this period and none in the 30 days before
    _history(marketer, rep)
    body = _client(manager).get(reverse("metrics:dashboard")).content.decode()
    tile = body.split('data-kpi="leads"')[1].split("</div>")[0]
    assert "New" in tile and "%" not in tile


@pytest.mark.parametrize("params", [{}, {"owner": "rep"}])
def test_the_first_view_stays_within_the_pinned_query_count(
    params, manager, marketer, rep, django_assert_max_num_queries
):
    _history(marketer, rep, rows=5)
    query = {"owner": rep.pk} if params else {}
    client = _client(manager)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("metrics:dashboard"), query)
    assert response.status_code == 200


def test_the_campaign_list_shows_customers_and_revenue(marketer, rep):
    # Given one campaign whose converted lead's deal of 5,000.00 is won
    _history(marketer, rep, rows=1)
    opportunity = Opportunity.objects.get()
    opportunity_win(opportunity_id=opportunity.pk, actor=rep)
    refresh.refresh_dirty()
    body = _client(marketer).get(reverse("metrics:campaign_list")).content.decode()
    assert ">Customers</th>" in body and ">Revenue</th>" in body
    assert 'data-label="Customers" class="num">1<' in body
    assert "$5,000.00" in body


def test_the_campaign_page_shows_budget_against_actual(marketer):
    # Given a 10,000.00 budget and 3,000.00 over 30 days that began 9 days ago
    campaign = CampaignFactory(budget=Decimal("10000.00"))
    today = timezone.localdate()
    leads_services.campaign_cost_add(
        campaign_id=campaign.pk,
        actor=marketer,
        date=today - dt.timedelta(days=9),
        end_date=today + dt.timedelta(days=20),
        amount=Decimal("3000.00"),
    )
    refresh.refresh_dirty()

    # Then ten days of it are spent to date
    budget = selectors.campaign_budget(campaign=campaign, today=today)
    assert budget == {
        "budget": Decimal("10000.00"),
        "spent": Decimal("1000.00"),
        "remaining": Decimal("9000.00"),
        "used": Decimal("0.1"),
        "over": False,
    }
    body = (
        _client(marketer)
        .get(reverse("metrics:campaign_detail", args=[campaign.pk]))
        .content.decode()
    )
    section = body.split('id="campaign-budget"')[1].split("</section>")[0]
    assert "$1,000.00" in section and "$9,000.00" in section and "10.0%" in section
    assert "<meter" in section


def test_every_export_takes_the_rep_filter(manager, marketer, rep):
    _history(marketer, rep)
    client = _client(manager)
    for table in ("summary", "funnel", "trends", "campaign", "owner", "rejections"):
        response = client.get(reverse("metrics:export"), {"table": table, "owner": rep.pk})
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv"), table
