"""Issue 10, finding 6: admin edits of rows that feed the KPI rollups go through the
services (costs) or are refused (leads, opportunities), so the rollups always equal a full
recompute."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from leads import services
from leads.models import CampaignCost, Lead, Opportunity, SalesCost
from metrics import refresh
from metrics.models import CampaignDay, SalesCostDay
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 10)


@pytest.fixture
def admin_client(django_user_model) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def rollups() -> list[dict]:
    return [
        *CampaignDay.objects.order_by("day", "campaign_id").values(
            "day", "campaign_id", "marketing_spend", "leads"
        ),
        *SalesCostDay.objects.order_by("day").values("day", "sales_cost"),
    ]


def assert_rollups_equal_a_full_recompute() -> None:
    refresh.refresh_dirty()
    incremental = rollups()
    refresh.recompute_all()
    assert incremental == rollups()


@pytest.fixture
def cost(marketer):
    campaign = factories.CampaignFactory()
    entry = services.campaign_cost_add(
        campaign_id=campaign.pk, actor=marketer, date=DAY, amount=Decimal("100.00")
    )
    refresh.refresh_dirty()
    return entry


def change_cost(client: Client, cost: CampaignCost, **fields):
    data = {"date": cost.date.isoformat(), "amount": str(cost.amount), "note": cost.note}
    data.update(fields)
    return client.post(reverse("admin:leads_campaigncost_change", args=[cost.pk]), data)


def test_raising_a_cost_in_the_admin_reaches_the_rollups(admin_client, cost):
    # When a superuser raises the spend entry by 1,000 in the admin
    response = change_cost(admin_client, cost, amount="1100.00")
    # Then it is saved through the service and the refreshed rollups equal a full recompute
    assert response.status_code == 302
    cost.refresh_from_db()
    assert cost.amount == Decimal("1100.00")
    refresh.refresh_dirty()
    assert CampaignDay.objects.get(day=DAY, campaign=cost.campaign).marketing_spend == Decimal(
        "1100.00"
    )
    assert_rollups_equal_a_full_recompute()


def test_moving_a_cost_to_another_day_in_the_admin_marks_both_days(admin_client, cost):
    change_cost(admin_client, cost, date="2026-01-12")
    refresh.refresh_dirty()
    assert not CampaignDay.objects.filter(day=DAY, campaign=cost.campaign).exists()
    assert CampaignDay.objects.get(day=dt.date(2026, 1, 12)).marketing_spend == 100
    assert_rollups_equal_a_full_recompute()


def test_an_admin_cost_out_of_bounds_is_refused_next_to_the_field(admin_client, cost):
    # When the admin moves the entry to 9999-12-31 or over the largest amount
    for fields, field in (({"date": "9999-12-31"}, "date"), ({"amount": "1e11"}, "amount")):
        response = change_cost(admin_client, cost, **fields)
        # Then the form comes back with an error and nothing changes
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
    cost.refresh_from_db()
    assert (cost.date, cost.amount) == (DAY, Decimal("100.00"))


def test_adding_and_deleting_costs_in_the_admin_go_through_the_services(admin_client, cost):
    # When a spend entry and a sales cost are added, then the first entry deleted
    add = admin_client.post(
        reverse("admin:leads_campaigncost_add"),
        {"campaign": cost.campaign_id, "date": "2026-01-11", "amount": "5.00", "note": ""},
    )
    assert add.status_code == 302
    sales = admin_client.post(
        reverse("admin:leads_salescost_add"), {"date": "2026-01-11", "amount": "7.00", "note": ""}
    )
    assert sales.status_code == 302
    delete = admin_client.post(
        reverse("admin:leads_campaigncost_delete", args=[cost.pk]), {"post": "yes"}
    )
    assert delete.status_code == 302
    # Then the rollups follow every change
    refresh.refresh_dirty()
    assert SalesCostDay.objects.get(day=dt.date(2026, 1, 11)).sales_cost == 7
    assert CampaignDay.objects.get(day=dt.date(2026, 1, 11)).marketing_spend == 5
    assert not CampaignDay.objects.filter(day=DAY).exists()
    assert_rollups_equal_a_full_recompute()


def test_bulk_deleting_sales_costs_in_the_admin_marks_their_days(admin_client, manager):
    for day in (DAY, DAY + dt.timedelta(days=1)):
        services.sales_cost_add(actor=manager, date=day, amount=Decimal("10"))
    refresh.refresh_dirty()
    response = admin_client.post(
        reverse("admin:leads_salescost_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(SalesCost.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302 and not SalesCost.objects.exists()
    refresh.refresh_dirty()
    assert not SalesCostDay.objects.exists()
    assert_rollups_equal_a_full_recompute()


def test_leads_and_opportunities_are_read_only_in_the_admin(admin_client, marketer, rep):
    # Given a converted lead (an opportunity)
    lead = factories.lead_in_state("converted", marketer=marketer, rep=rep)
    opportunity = Opportunity.objects.get(lead=lead)
    # When the admin posts a change to either
    for name, obj, data in (
        ("lead", lead, {"email": "new@example.com", "campaign": ""}),
        ("opportunity", opportunity, {"name": "x", "amount": "999999"}),
    ):
        url = reverse(f"admin:leads_{name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200  # still viewable
        response = admin_client.post(url, data)
        # Then it is refused and nothing changes
        assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).email == lead.email
    assert Opportunity.objects.get(pk=opportunity.pk).amount == opportunity.amount
    assert admin_client.get(reverse("admin:leads_lead_add")).status_code == 403


def test_lead_admin_shows_its_touches_read_only(admin_client, marketer):
    # given a lead with its capture touch
    from handoff.services import lead_capture

    campaign = factories.CampaignFactory(name="Touch campaign")
    lead = lead_capture(actor=marketer, email="touched@example.com", campaign_id=campaign.pk)
    # when the admin opens the lead
    r = admin_client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    # then the touch is listed, with nothing to add, change or delete
    body = r.content.decode()
    assert r.status_code == 200
    assert "Touch campaign" in body and "touches-TOTAL_FORMS" in body
    assert 'name="touches-0-campaign"' not in body
    assert "touches-0-DELETE" not in body
