"""Marketing's lead pages: list with filters and bulk moves, capture, the lead page and its
moves; refusals become messages, bad input stays with its field errors, and
the lists run a constant number of queries."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from handoff import services
from handoff.models import Handoff
from leads.models import Lead, LeadStatus
from notifications.models import Notification
from tests.factories import CampaignFactory, lead_in_state


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def _capture(marketer, n: int, **fields) -> list[Lead]:
    campaign = fields.pop("campaign", None) or CampaignFactory()
    return [
        services.lead_capture(
            actor=marketer,
            email=f"bulk{i}-{campaign.pk}@example.com",
            campaign_id=campaign.pk,
            first_name=f"Ana{i}",
            company="Acme",
            **fields,
        )
        for i in range(n)
    ]


# --- list ------------------------------------------------------------------------------


def test_lead_list_shows_leads_with_campaign_status_and_rep(marketer, rep, marketer_client):
    # Given a new lead and one handed off to a rep
    new = lead_in_state("new", marketer=marketer, email="new@example.com")
    handed = lead_in_state("handed_off", marketer=marketer, rep=rep, email="handed@example.com")

    # When marketing opens the list
    response = marketer_client.get(reverse("handoff:lead_list"))

    # Then both are listed with their campaign and status, and the rep of the handed-off one
    body = response.content.decode()
    assert response.status_code == 200
    assert "new@example.com" in body and "handed@example.com" in body
    assert new.campaign.name in body and handed.campaign.name in body
    assert "Handed off" in body
    assert rep.get_full_name() in body


def test_lead_list_filters_by_status_and_searches_by_name(marketer, marketer_client):
    lead_in_state("new", marketer=marketer, email="zoe@example.com", first_name="Zoe")
    lead_in_state("mql", marketer=marketer, email="max@example.com", first_name="Max")

    by_status = marketer_client.get(reverse("handoff:lead_list"), {"status": "mql"})
    by_search = marketer_client.get(reverse("handoff:lead_list"), {"q": "zoe"})

    assert "max@example.com" in by_status.content.decode()
    assert "zoe@example.com" not in by_status.content.decode()
    assert "zoe@example.com" in by_search.content.decode()
    assert "max@example.com" not in by_search.content.decode()


def test_lead_list_htmx_filter_answers_with_the_results_only(marketer, marketer_client):
    lead_in_state("new", marketer=marketer, email="only@example.com")

    response = marketer_client.get(
        reverse("handoff:lead_list"),
        {"q": "only"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="lead-results",
    )

    body = response.content.decode()
    assert "only@example.com" in body
    assert "<html" not in body


def test_empty_lead_list_says_what_to_do_next(marketer_client):
    body = marketer_client.get(reverse("handoff:lead_list")).content.decode()

    assert "No leads yet" in body
    assert reverse("imports:import_start") in body


def test_lead_list_shows_a_rep_only_their_leads_and_sends_anonymous_to_sign_in(
    marketer, rep, other_rep
):
    # Given a lead of mine, one of another rep's and one not handed off
    mine = lead_in_state("accepted", marketer=marketer, rep=rep, email="mine@example.com")
    lead_in_state("accepted", marketer=marketer, rep=other_rep, email="theirs@example.com")
    lead_in_state("new", marketer=marketer, email="nobody@example.com")
    rep_client = Client()
    rep_client.force_login(rep)

    # When I open the lead list
    response = rep_client.get(reverse("handoff:lead_list"))

    # Then I see only my lead, linked to its page, and no bulk moves nor capture
    assert response.status_code == 200
    body = response.content.decode()
    assert "mine@example.com" in body
    assert "theirs@example.com" not in body and "nobody@example.com" not in body
    assert reverse("handoff:lead_detail", args=[mine.pk]) in body
    assert reverse("handoff:lead_bulk") not in body
    assert reverse("handoff:lead_create") not in body
    anonymous = Client().get(reverse("handoff:lead_list"))
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]


@pytest.mark.parametrize("url_name", ["handoff:lead_list", "notifications:list"])
def test_list_pages_run_the_same_number_of_queries_for_2_and_20_rows(
    marketer, rep, marketer_client, url_name
):
    # Given 2 handed-off leads (with campaigns, owners and notifications), count the queries
    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = marketer_client.get(reverse(url_name))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for _ in range(n):
            lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
            Notification.objects.create(
                recipient=marketer, kind="lead_rejected", lead=lead, message="x"
            )

    add(2)
    two = measure()
    # When 18 more rows exist
    add(18)
    twenty = measure()
    # Then the page runs exactly as many queries
    assert twenty == two, f"{two} queries for 2 rows, {twenty} for 20"


# --- capture ---------------------------------------------------------------------------


def test_lead_create_captures_through_the_service_and_opens_the_lead(marketer, marketer_client):
    campaign = CampaignFactory()

    response = marketer_client.post(
        reverse("handoff:lead_create"),
        {
            "email": "New.Person@Example.com",
            "first_name": "New",
            "campaign": campaign.pk,
            "score": "40",
            "country": "ES",
        },
    )

    lead = Lead.objects.get(email="new.person@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("handoff:lead_detail", args=[lead.pk])
    assert lead.campaign == campaign and lead.country == "ES" and lead.status == LeadStatus.NEW
    assert lead.events.filter(action="created").count() == 1


def test_lead_create_with_bad_input_keeps_what_was_typed_and_says_why(marketer_client):
    response = marketer_client.post(
        reverse("handoff:lead_create"),
        {"email": "not-an-email", "first_name": "Typed Name", "score": "250"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="Typed Name"' in body
    assert 'value="not-an-email"' in body
    assert "Enter a valid email address." in body
    assert "less than or equal to 100" in body
    assert not Lead.objects.exists()


def test_lead_create_duplicate_points_to_the_existing_lead(marketer, marketer_client):
    existing = lead_in_state("new", marketer=marketer, email="dup@example.com")

    response = marketer_client.post(
        reverse("handoff:lead_create"), {"email": "DUP@example.com", "score": "0"}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "already exists" in body
    assert reverse("handoff:lead_detail", args=[existing.pk]) in body
    assert Lead.objects.count() == 1


# --- lead page -------------------------------------------------------------------------


def test_lead_page_shows_contact_timeline_handoff_sla_and_feedback(marketer, rep, marketer_client):
    # Given a lead rejected by the rep with a reason, rating and comment
    lead = lead_in_state(
        "handed_off", marketer=marketer, rep=rep, email="seen@example.com", phone="+34 600 000 000"
    )
    services.lead_reject(
        lead_id=lead.pk, actor=rep, reason="no_budget", rating=2, feedback="Budget frozen until Q3"
    )

    # When marketing opens the lead page
    body = marketer_client.get(reverse("handoff:lead_detail", args=[lead.pk])).content.decode()

    # Then it shows contact details, every event, the handoff with its SLA result and feedback
    assert "+34 600 000 000" in body
    for label in ("Created", "Qualified", "Handed off", "Rejected"):
        assert label in body
    assert "No budget" in body and "Budget frozen until Q3" in body and "2/5" in body
    assert "Met" in body  # answered at once: within the SLA
    # and marketing's allowed moves for a rejected lead (recycle, disqualify), not qualify
    assert reverse("handoff:lead_move", args=[lead.pk, "recycle"]) in body
    assert reverse("handoff:lead_move", args=[lead.pk, "disqualify"]) in body
    assert reverse("handoff:lead_move", args=[lead.pk, "qualify"]) not in body


def test_lead_page_offers_only_the_viewers_moves(marketer, rep, other_rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    owner, stranger, market = Client(), Client(), Client()
    owner.force_login(rep)
    stranger.force_login(other_rep)
    market.force_login(marketer)

    owner_body = owner.get(reverse("handoff:lead_detail", args=[lead.pk])).content.decode()
    market_body = market.get(reverse("handoff:lead_detail", args=[lead.pk])).content.decode()

    assert reverse("handoff:inbox_accept", args=[lead.pk]) in owner_body
    assert reverse("handoff:inbox_reject", args=[lead.pk]) in owner_body
    assert reverse("handoff:inbox_accept", args=[lead.pk]) not in market_body
    assert "Nothing to do on this lead" in market_body
    assert stranger.get(reverse("handoff:lead_detail", args=[lead.pk])).status_code == 404


def test_qualify_from_the_lead_page_moves_the_lead(marketer, marketer_client):
    lead = lead_in_state("new", marketer=marketer)

    response = marketer_client.post(
        reverse("handoff:lead_move", args=[lead.pk, "qualify"]),
        {"qualify-score": "80"},
        follow=True,
    )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.MQL and lead.score == 80
    assert "Lead qualified" in response.content.decode()


def test_qualify_with_a_bad_score_keeps_it_and_says_why(marketer, marketer_client):
    lead = lead_in_state("new", marketer=marketer)

    response = marketer_client.post(
        reverse("handoff:lead_move", args=[lead.pk, "qualify"]), {"qualify-score": "101"}
    )

    assert response.status_code == 400
    assert 'value="101"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_a_refused_move_is_a_message_not_an_error_page(marketer, marketer_client):
    # Given a lead that is already an MQL (the page was open in another tab)
    lead = lead_in_state("mql", marketer=marketer)

    # When marketing posts "qualify" again
    response = marketer_client.post(
        reverse("handoff:lead_move", args=[lead.pk, "qualify"]), {}, follow=True
    )

    # Then the page says why, naming the current state, and nothing changed
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error"' in body
    assert "the lead is “Marketing qualified” now" in body
    assert lead.events.filter(action="qualify").count() == 1


def test_a_refused_move_is_explained_in_spanish_too(marketer, marketer_client):
    lead = lead_in_state("mql", marketer=marketer)

    response = marketer_client.post(
        reverse("handoff:lead_move", args=[lead.pk, "qualify"]),
        {},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert "el lead está en «Cualificado por marketing»" in response.content.decode()


def test_hand_off_from_the_lead_page_to_a_chosen_rep(marketer, rep, marketer_client):
    lead = lead_in_state("mql", marketer=marketer)

    marketer_client.post(
        reverse("handoff:lead_move", args=[lead.pk, "handoff"]), {"handoff-assignee": rep.pk}
    )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.HANDED_OFF and lead.owner == rep
    assert Handoff.objects.get(lead=lead).assignee == rep


# --- bulk ------------------------------------------------------------------------------


def test_bulk_qualify_then_hand_off_many_leads_at_once(marketer, rep, marketer_client):
    leads = _capture(marketer, 3)
    ids = [lead.pk for lead in leads]

    marketer_client.post(reverse("handoff:lead_bulk"), {"action": "qualify", "leads": ids})
    response = marketer_client.post(
        reverse("handoff:lead_bulk"),
        {"action": "handoff", "leads": ids, "assignee": rep.pk},
        follow=True,
    )

    assert set(Lead.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        LeadStatus.HANDED_OFF
    }
    assert "3 leads handed off to sales." in response.content.decode()


def test_bulk_move_reports_the_refused_leads_and_moves_the_others(marketer, marketer_client):
    ready = _capture(marketer, 2)
    already = lead_in_state("mql", marketer=marketer)

    response = marketer_client.post(
        reverse("handoff:lead_bulk"),
        {"action": "qualify", "leads": [ready[0].pk, ready[1].pk, already.pk]},
        follow=True,
    )

    body = response.content.decode()
    assert "2 leads qualified." in body
    assert f"#{already.pk}" in body and "1 lead was not moved" in body
    assert Lead.objects.filter(status=LeadStatus.MQL).count() == 3


def test_bulk_without_ticked_leads_says_so(marketer_client):
    response = marketer_client.post(
        reverse("handoff:lead_bulk"), {"action": "qualify"}, follow=True
    )

    assert "Tick at least one lead." in response.content.decode()


def test_lead_list_filters_by_creation_day_in_the_project_time_zone(
    marketer, marketer_client, settings
):
    # Given leads created late on March 1st and early on March 2nd, New York time
    settings.TIME_ZONE = "America/New_York"
    ny = ZoneInfo("America/New_York")
    late = lead_in_state("new", marketer=marketer, email="late@example.com")
    early = lead_in_state("new", marketer=marketer, email="early@example.com")
    Lead.objects.filter(pk=late.pk).update(created_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=ny))
    Lead.objects.filter(pk=early.pk).update(created_at=dt.datetime(2026, 3, 2, 0, 30, tzinfo=ny))

    # When marketing asks for the leads created on March 2nd
    body = marketer_client.get(
        reverse("handoff:lead_list"),
        {"created_after": "2026-03-02", "created_before": "2026-03-02"},
    ).content.decode()

    # Then only the one created that day (local time) is listed
    assert "early@example.com" in body and "late@example.com" not in body


def test_edit_a_lead_records_one_updated_event(marketer, marketer_client):
    lead = lead_in_state("new", marketer=marketer, email="old@example.com", company="Old Co")

    response = marketer_client.post(
        reverse("handoff:lead_edit", args=[lead.pk]),
        {"email": "old@example.com", "company": "New Co", "score": "55"},
    )

    lead.refresh_from_db()
    assert response.status_code == 302
    assert (lead.company, lead.score) == ("New Co", 55)
    assert lead.events.filter(action="updated").count() == 1


def test_edit_to_another_leads_email_keeps_the_input_and_says_why(marketer, marketer_client):
    lead_in_state("new", marketer=marketer, email="taken@example.com")
    lead = lead_in_state("new", marketer=marketer, email="mine@example.com")

    response = marketer_client.post(
        reverse("handoff:lead_edit", args=[lead.pk]),
        {"email": "taken@example.com", "company": "Typed Co", "score": "10"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "already exists" in body and 'value="Typed Co"' in body
    lead.refresh_from_db()
    assert lead.email == "mine@example.com"


def test_lead_edit_is_for_marketing_not_for_the_rep(marketer, rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    client = Client()
    client.force_login(rep)

    assert client.get(reverse("handoff:lead_edit", args=[lead.pk])).status_code == 403
    page = client.get(reverse("handoff:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("handoff:lead_edit", args=[lead.pk]) not in page


def test_bulk_with_a_lead_that_no_longer_exists_reports_it(marketer, marketer_client):
    lead = lead_in_state("new", marketer=marketer)

    response = marketer_client.post(
        reverse("handoff:lead_bulk"), {"action": "qualify", "leads": [lead.pk, 987654]}, follow=True
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "1 lead qualified." in body and "#987654: No such lead." in body
