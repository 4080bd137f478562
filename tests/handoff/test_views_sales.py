"""The sales workspace pages: inbox answers and conversion, the pipeline board, refusals as
messages, bad input kept with its field errors, and constant query counts."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from handoff.models import Handoff, HandoffOutcome
from handoff.views.sales import INBOX_PAGE
from leads.models import Lead, LeadStatus, Opportunity, OpportunityStage
from tests.factories import lead_in_state

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rep_client(rep) -> Client:
    client = Client()
    client.force_login(rep)
    return client


def _post(client: Client, name: str, pk: int, data: dict, *, htmx: bool = True):
    return client.post(reverse(f"handoff:{name}", args=[pk]), data, **(HTMX if htmx else {}))


# --- inbox -----------------------------------------------------------------------------


def test_inbox_lists_my_pending_leads_soonest_due_first(marketer, rep, other_rep, rep_client):
    # Given two leads handed to me and one to another rep
    first = lead_in_state("handed_off", marketer=marketer, rep=rep, email="first@example.com")
    second = lead_in_state("handed_off", marketer=marketer, rep=rep, email="second@example.com")
    lead_in_state("handed_off", marketer=marketer, rep=other_rep, email="theirs@example.com")
    Handoff.objects.filter(lead=first).update(
        sla_due_at=Handoff.objects.get(lead=second).sla_due_at.replace(year=2099)
    )

    # When I open my inbox
    response = rep_client.get(reverse("handoff:inbox"))

    # Then I see my two leads, the one due sooner first, and not the other rep's
    assert response.status_code == 200
    body = response.content.decode()
    assert "second@example.com" in body and "first@example.com" in body
    assert body.index("second@example.com") < body.index("first@example.com")
    assert "theirs@example.com" not in body
    assert 'data-sla-due="' in body


def test_inbox_highlights_overdue_leads(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    handoff = Handoff.objects.get(lead=lead)
    Handoff.objects.filter(pk=handoff.pk).update(sla_due_at=handoff.handed_off_at)

    body = rep_client.get(reverse("handoff:inbox")).content.decode()

    assert "is-overdue" in body
    assert "Overdue by" in body


def test_empty_inbox_says_what_to_do_next(rep_client):
    body = rep_client.get(reverse("handoff:inbox")).content.decode()
    assert "No leads in your inbox" in body
    assert reverse("handoff:pipeline") in body


def test_inbox_is_refused_to_marketing(marketer):
    client = Client()
    client.force_login(marketer)
    assert client.get(reverse("handoff:inbox")).status_code == 403


def test_accept_in_one_click_swaps_the_row(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)

    response = _post(rep_client, "inbox_accept", lead.pk, {f"accept-{lead.pk}-rating": "4"})

    assert response.status_code == 200
    assert f'id="lead-row-{lead.pk}"' in response.content.decode()
    assert "Convert to opportunity" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    assert Handoff.objects.get(lead=lead).rating == 4


def test_reject_with_reason_rating_and_feedback(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    prefix = f"reject-{lead.pk}"

    response = _post(
        rep_client,
        "inbox_reject",
        lead.pk,
        {f"{prefix}-reason": "no_budget", f"{prefix}-rating": "2", f"{prefix}-feedback": "tiny"},
    )

    assert response.status_code == 200
    assert "Rejected" in response.content.decode()
    handoff = Handoff.objects.get(lead=lead)
    assert (handoff.outcome, handoff.reason, handoff.rating, handoff.feedback) == (
        HandoffOutcome.REJECTED,
        "no_budget",
        2,
        "tiny",
    )


def test_reject_without_reason_keeps_the_typed_feedback_and_says_why(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    prefix = f"reject-{lead.pk}"

    response = _post(
        rep_client, "inbox_reject", lead.pk, {f"{prefix}-reason": "", f"{prefix}-feedback": "hm"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in body
    assert "hm</textarea>" in body
    assert '<details class="action-box reject-box" open>' in body
    lead.refresh_from_db()
    assert lead.status == LeadStatus.HANDED_OFF


def test_reject_other_needs_feedback_without_javascript_too(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    prefix = f"reject-{lead.pk}"

    response = _post(rep_client, "inbox_reject", lead.pk, {f"{prefix}-reason": "other"}, htmx=False)

    assert response.status_code == 400
    assert "when the reason is Other" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.HANDED_OFF


def test_a_refused_move_is_a_message_in_the_row_not_an_error_page(marketer, rep, rep_client):
    # Given a lead I already accepted
    lead = lead_in_state("accepted", marketer=marketer, rep=rep)

    # When I accept it again (a stale page)
    response = _post(rep_client, "inbox_accept", lead.pk, {})

    # Then the row says why and nothing changed
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Not done: the lead is “Accepted” now" in body
    assert Handoff.objects.filter(lead=lead, outcome=HandoffOutcome.ACCEPTED).count() == 1


def test_another_reps_lead_is_not_found(marketer, rep, other_rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=other_rep)
    assert _post(rep_client, "inbox_accept", lead.pk, {}, htmx=False).status_code == 404
    stale_row = _post(rep_client, "inbox_accept", lead.pk, {})
    assert "no longer in your inbox" in stale_row.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.HANDED_OFF


def test_convert_opens_an_opportunity(marketer, rep, rep_client):
    lead = lead_in_state("accepted", marketer=marketer, rep=rep)
    prefix = f"convert-{lead.pk}"

    response = _post(
        rep_client,
        "inbox_convert",
        lead.pk,
        {f"{prefix}-amount": "1234.50", f"{prefix}-name": "Big deal"},
    )

    assert response.status_code == 200
    assert "Big deal" in response.content.decode()
    opportunity = Opportunity.objects.get(lead=lead)
    assert (opportunity.amount, opportunity.owner_id) == (Decimal("1234.50"), rep.pk)


def test_convert_with_a_negative_amount_shows_the_error_next_to_the_field(
    marketer, rep, rep_client
):
    lead = lead_in_state("accepted", marketer=marketer, rep=rep)
    prefix = f"convert-{lead.pk}"

    response = _post(rep_client, "inbox_convert", lead.pk, {f"{prefix}-amount": "-5"})

    body = response.content.decode()
    assert f'id="id_{prefix}-amount_error"' in body
    assert 'value="-5"' in body
    assert not Opportunity.objects.filter(lead=lead).exists()


def test_plain_post_without_htmx_redirects_with_a_message(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    response = _post(rep_client, "inbox_accept", lead.pk, {}, htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("handoff:inbox")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED


@pytest.mark.parametrize("rows", [1, 100])
def test_inbox_query_count_is_constant(
    marketer, rep, rep_client, rows, django_assert_max_num_queries
):
    # Given 2 or 200 rows: half pending, half accepted
    for _ in range(rows):
        lead_in_state("handed_off", marketer=marketer, rep=rep)
    for _ in range(rows):
        lead_in_state("accepted", marketer=marketer, rep=rep)
    # When the rep opens the inbox
    with django_assert_max_num_queries(INBOX_QUERIES) as captured:
        response = rep_client.get(reverse("handoff:inbox"))
    # Then the same queries run, one page of each list is shown, with the true totals
    assert response.status_code == 200
    body = response.content.decode()
    shown = min(rows, INBOX_PAGE)
    assert body.count('class="card inbox-row') == 2 * shown
    assert body.count(f"{rows} lead") == 2
    assert len(captured) == INBOX_QUERIES


# session, user, roles, unread notifications, inbox counts (2), pending page, accepted page
INBOX_QUERIES = 8


# --- pipeline --------------------------------------------------------------------------


def test_pipeline_shows_my_deals_by_stage_and_wins_one(marketer, rep, rep_client):
    lead = lead_in_state("converted", marketer=marketer, rep=rep)
    opportunity = Opportunity.objects.get(lead=lead)

    page = rep_client.get(reverse("handoff:pipeline")).content.decode()
    assert f'id="opp-{opportunity.pk}"' in page

    response = _post(
        rep_client, "opportunity_win", opportunity.pk, {f"win-opp-{opportunity.pk}-amount": "7000"}
    )

    assert response.status_code == 200
    assert 'id="pipeline-board"' in response.content.decode()
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.amount) == (OpportunityStage.WON, Decimal("7000.00"))


def test_lose_needs_a_reason(marketer, rep, rep_client):
    opportunity = Opportunity.objects.get(
        lead=lead_in_state("converted", marketer=marketer, rep=rep)
    )

    response = _post(
        rep_client, "opportunity_lose", opportunity.pk, {f"lose-opp-{opportunity.pk}-reason": ""}
    )

    assert "Say why the deal was lost." in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == OpportunityStage.QUALIFICATION


def test_stage_move(marketer, rep, rep_client):
    opportunity = Opportunity.objects.get(
        lead=lead_in_state("converted", marketer=marketer, rep=rep)
    )
    _post(
        rep_client,
        "opportunity_stage",
        opportunity.pk,
        {f"stage-opp-{opportunity.pk}-stage": "proposal"},
    )
    opportunity.refresh_from_db()
    assert opportunity.stage == OpportunityStage.PROPOSAL


def test_closing_a_closed_deal_is_a_message(marketer, rep, rep_client):
    opportunity = Opportunity.objects.get(
        lead=lead_in_state("converted", marketer=marketer, rep=rep)
    )
    _post(rep_client, "opportunity_win", opportunity.pk, {})

    response = _post(
        rep_client,
        "opportunity_lose",
        opportunity.pk,
        {f"lose-opp-{opportunity.pk}-reason": "price"},
    )

    assert response.status_code == 200
    assert "Not done: the deal is “Won” now" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == OpportunityStage.WON


def test_empty_pipeline_points_to_the_inbox(rep_client):
    body = rep_client.get(reverse("handoff:pipeline")).content.decode()
    assert "No open deals" in body
    assert reverse("handoff:inbox") in body


@pytest.mark.parametrize("rows", [2, 20])
def test_pipeline_query_count_is_constant(
    marketer, rep, rep_client, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        lead_in_state("converted", marketer=marketer, rep=rep)
    with django_assert_max_num_queries(PIPELINE_QUERIES) as captured:
        response = rep_client.get(reverse("handoff:pipeline"))
    assert response.content.decode().count('class="card opp-card"') == rows
    assert len(captured) == PIPELINE_QUERIES


# session, user, roles, unread notifications, open deals (counts and totals per stage, then
# the soonest of each stage), won, lost
PIPELINE_QUERIES = 8


def test_leads_model_unchanged_by_a_page_view(marketer, rep, rep_client):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    before = Lead.objects.get(pk=lead.pk).updated_at
    rep_client.get(reverse("handoff:inbox"))
    assert Lead.objects.get(pk=lead.pk).updated_at == before


def test_accepted_leads_are_paged_with_the_true_total(marketer, rep, rep_client):
    from handoff.views import sales as views_sales

    # Given one accepted lead more than a page holds
    for _ in range(views_sales.INBOX_PAGE + 1):
        lead_in_state("accepted", marketer=marketer, rep=rep)

    # When the rep opens the inbox, then its second page of accepted leads
    body = rep_client.get(reverse("handoff:inbox")).content.decode()
    second = rep_client.get(reverse("handoff:inbox") + "?apage=2").content.decode()

    # Then the heading counts every one, a page is full, and the last one is on page 2
    assert f"{views_sales.INBOX_PAGE + 1} leads" in body
    assert body.count("state-accepted") == views_sales.INBOX_PAGE
    assert "Page 1 of 2" in body and "apage=2" in body
    assert second.count("state-accepted") == 1


def test_a_long_stage_shows_the_soonest_deals_with_the_true_count(
    marketer, rep, rep_client, monkeypatch
):
    from handoff.views import sales as views_sales

    # Given four open deals in one stage and a board that shows three per stage
    monkeypatch.setattr(views_sales, "STAGE_SHOWN", 3)
    for _ in range(4):
        lead_in_state("converted", marketer=marketer, rep=rep)

    # When the rep opens the pipeline
    body = rep_client.get(reverse("handoff:pipeline")).content.decode()

    # Then three cards, the heading counts four, and a note says one more closes later
    assert body.count('class="card opp-card"') == 3
    assert "4 deals" in body
    assert "1 more deal closes later" in body
