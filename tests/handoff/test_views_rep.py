"""The rep's workspace pages: their own lead list (search and filters, constant queries) and
the pipeline board at 2 and 200 rows."""

import pytest
from django.test import Client
from django.urls import reverse

from leads.models import Opportunity
from leads.paging import PAGE_SIZE
from tests.factories import lead_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(rep) -> Client:
    client = Client()
    client.force_login(rep)
    return client


# session, user, roles, unread notifications, filter's choices (campaigns), one page of leads
REP_LIST_QUERIES = 6


@pytest.mark.parametrize("rows", [2, 200])
def test_rep_lead_list_runs_the_same_queries_for_2_and_200_rows(
    marketer, rep, rep_client, rows, django_assert_num_queries
):
    # Given rows leads handed to the rep
    for _ in range(rows):
        lead_in_state("handed_off", marketer=marketer, rep=rep)
    # When the rep opens their lead list
    with django_assert_num_queries(REP_LIST_QUERIES):
        response = rep_client.get(reverse("handoff:lead_list"))
    # Then one page is shown, each lead linked
    assert response.status_code == 200
    assert response.content.decode().count("/leads/") >= min(rows, PAGE_SIZE)


def test_rep_lead_list_searches_and_filters_by_status(marketer, rep, rep_client):
    # Given an accepted and a pending lead of mine
    lead_in_state("accepted", marketer=marketer, rep=rep, email="zoe@example.com", first_name="Zoe")
    lead_in_state("handed_off", marketer=marketer, rep=rep, email="max@example.com")
    # When I search by name, and filter by status
    found = rep_client.get(reverse("handoff:lead_list"), {"q": "zoe"}).content.decode()
    accepted = rep_client.get(reverse("handoff:lead_list"), {"status": "handed_off"})
    # Then each shows only the matching lead
    assert "zoe@example.com" in found and "max@example.com" not in found
    body = accepted.content.decode()
    assert "max@example.com" in body and "zoe@example.com" not in body


# session, user, roles, unread notifications, open deals (counts and totals per stage, then
# the soonest STAGE_SHOWN of each stage), won, lost
PIPELINE_QUERIES = 8


@pytest.mark.parametrize("rows", [2, 200])
def test_pipeline_runs_the_same_queries_for_2_and_200_deals(
    marketer, rep, rep_client, rows, django_assert_num_queries
):
    # Given rows deals of the rep, one of them in Proposal
    for _ in range(rows):
        lead_in_state("converted", marketer=marketer, rep=rep)
    Opportunity.objects.filter(pk__in=Opportunity.objects.values("pk")[:1]).update(stage="proposal")
    # When the rep opens the board
    with django_assert_num_queries(PIPELINE_QUERIES):
        response = rep_client.get(reverse("handoff:pipeline"))
    # Then each open stage shows its soonest deals (up to STAGE_SHOWN) and counts them all
    from handoff.views.sales import STAGE_SHOWN

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="card opp-card') == min(rows - 1, STAGE_SHOWN) + 1
    assert f"{rows - 1} deal" in body
    lead_id = Opportunity.objects.get(stage="proposal").lead_id
    assert reverse("handoff:lead_detail", args=[lead_id]) in body


def test_pipeline_flags_a_past_due_close_date_and_formats_money(marketer, rep, rep_client):
    # Given an open deal whose expected close date has passed, and one due next year
    import datetime as dt

    from django.utils import timezone

    late = Opportunity.objects.get(lead=lead_in_state("converted", marketer=marketer, rep=rep))
    soon = Opportunity.objects.get(lead=lead_in_state("converted", marketer=marketer, rep=rep))
    today = timezone.localdate()
    Opportunity.objects.filter(pk=late.pk).update(
        expected_close_date=today - dt.timedelta(days=3), amount=23000
    )
    Opportunity.objects.filter(pk=soon.pk).update(
        expected_close_date=today + dt.timedelta(days=300)
    )
    # When the rep opens the board
    body = rep_client.get(reverse("handoff:pipeline")).content.decode()
    # Then only the late one is flagged, and its amount reads as money
    late_card = body[body.index(f'id="opp-{late.pk}"') :][:3000]
    soon_card = body[body.index(f'id="opp-{soon.pk}"') :][:3000]
    assert "Past due" in late_card and "Past due" not in soon_card.split("</li>")[0]
    assert "$23,000.00" in late_card


def test_losing_for_other_without_a_note_is_refused_on_the_card(marketer, rep, rep_client):
    # Given an open deal
    opp = Opportunity.objects.get(lead=lead_in_state("converted", marketer=marketer, rep=rep))
    # When the rep marks it lost for "other" without a note
    response = rep_client.post(
        reverse("handoff:opportunity_lose", args=[opp.pk]),
        {f"lose-opp-{opp.pk}-reason": "other"},
        HTTP_HX_REQUEST="true",
    )
    # Then the board says why and the deal stays open; with a note it closes
    assert "Say why in a few words when the reason is Other." in response.content.decode()
    opp.refresh_from_db()
    assert opp.is_open
    rep_client.post(
        reverse("handoff:opportunity_lose", args=[opp.pk]),
        {f"lose-opp-{opp.pk}-reason": "other", f"lose-opp-{opp.pk}-note": "Built in house"},
        HTTP_HX_REQUEST="true",
    )
    opp.refresh_from_db()
    assert (opp.stage, opp.lost_reason, opp.close_note) == ("lost", "other", "Built in house")


def test_pipeline_is_refused_to_marketing(marketer):
    client = Client()
    client.force_login(marketer)
    assert client.get(reverse("handoff:pipeline")).status_code == 403


# --- explained routing ------------------------------------------------------------------


def test_lead_page_says_why_this_rep_and_who_a_reassignment_went_from_and_to(
    marketer, rep, other_rep, manager
):
    # Given a lead handed to rep by rotation (other_rep away), then reassigned by a manager
    from handoff import services
    from handoff.models import RepAvailability
    from leads.roles import user_label

    RepAvailability.objects.create(user=other_rep, away=True)
    for _ in range(2):  # the second turn passes the away rep over
        lead = lead_in_state("mql", marketer=marketer)
        services.lead_handoff(lead_id=lead.pk, actor=marketer)
    lead.refresh_from_db()
    assert lead.owner_id == rep.pk
    RepAvailability.objects.filter(user=other_rep).update(away=False)
    services.lead_reassign(lead_id=lead.pk, actor=manager, assignee_id=other_rep.pk)
    client = Client()
    client.force_login(manager)

    # When the manager opens the lead page
    body = client.get(reverse("handoff:lead_detail", args=[lead.pk])).content.decode()

    # Then the first handoff says the rotation skipped the away rep; the reassignment names
    # both reps and who chose by hand
    assert "General rotation" in body
    assert f"skipped {user_label(other_rep)} (away)" in body
    assert (
        f"From {user_label(rep)} to {user_label(other_rep)}. "
        f"Chosen by hand by {user_label(manager)}." in body
    )


def test_assignment_notice_says_why_you(marketer, rep):
    from handoff import services
    from notifications.models import Notification

    # Given a lead routed by the rotation
    lead = lead_in_state("mql", marketer=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    # Then the rep's notice says why
    note = Notification.objects.get(kind="lead_assigned", lead=lead)
    assert note.text.endswith("Why you: your turn in the rotation.")


def test_manual_picker_marks_away_and_capped_reps(marketer, rep, other_rep):
    from handoff.forms import HandoffForm
    from handoff.models import RepAvailability
    from leads.roles import user_label

    # Given one rep away and one at their cap of 1 open lead
    RepAvailability.objects.create(user=rep, away=True)
    RepAvailability.objects.create(user=other_rep, max_open_leads=1)
    lead_in_state("accepted", marketer=marketer, rep=other_rep)
    # When the picker is built
    labels = [label for _value, label in HandoffForm().fields["assignee"].choices]
    # Then each says so
    assert f"{user_label(rep)} (away)" in labels
    assert f"{user_label(other_rep)} (at cap 1/1)" in labels


def test_lead_page_shows_the_loss_reason_and_its_note(marketer, rep, rep_client):
    from handoff import services

    # Given a deal lost for "other" with a note
    lead = lead_in_state("converted", marketer=marketer, rep=rep)
    opp = Opportunity.objects.get(lead=lead)
    services.opportunity_lose(opportunity_id=opp.pk, actor=rep, reason="other", note="In house")
    # When the rep opens the lead page
    body = rep_client.get(reverse("handoff:lead_detail", args=[lead.pk])).content.decode()
    # Then it says why it was lost
    assert "Why lost: Other (In house)" in body


@pytest.mark.parametrize(
    ("who", "htmx", "status"),
    [
        (None, True, 302),
        ("marketer", True, 403),
        ("rep", True, 200),
        ("rep", False, 302),
        ("other_rep", True, 200),  # a stale row: "no longer yours" in its place
        ("manager", True, 200),
    ],
)
def test_inbox_answer_fragment_by_role(request, marketer, rep, who, htmx, status):
    # Given a lead waiting for rep's answer
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    client = Client()
    if who:
        client.force_login(request.getfixturevalue(who))
    # When its answer forms are asked for
    response = client.get(
        reverse("handoff:inbox_answer", args=[lead.pk]),
        **({"HTTP_HX_REQUEST": "true"} if htmx else {}),
    )
    # Then only the sales workspace gets them; the owner's row carries the accept form
    assert response.status_code == status
    if who == "rep" and htmx:
        assert f'name="accept-{lead.pk}-rating"' in response.content.decode()
    if who == "other_rep":
        assert f'name="accept-{lead.pk}-rating"' not in response.content.decode()
