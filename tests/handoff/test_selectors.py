"""Reads: who sees which leads, inbox order, audit trail, allowed buttons, feedback;
lists run a constant number of queries."""

import pytest
from django.contrib.auth.models import AnonymousUser

from handoff import selectors, services
from handoff.models import SLAPolicy
from leads.models import Lead
from leads.roles import MARKETING, roles_of
from tests.factories import CampaignFactory, lead_in_state


def test_marketing_and_managers_see_all_leads_reps_only_their_own(
    marketer, manager, rep, other_rep
) -> None:
    mine = lead_in_state("handed_off", marketer=marketer, rep=rep)
    theirs = lead_in_state("handed_off", marketer=marketer, rep=other_rep)
    unassigned = lead_in_state("new", marketer=marketer)
    everyone = {mine.pk, theirs.pk, unassigned.pk}
    assert set(selectors.lead_list(user=marketer).values_list("pk", flat=True)) == everyone
    assert set(selectors.lead_list(user=manager).values_list("pk", flat=True)) == everyone
    assert list(selectors.lead_list(user=rep).values_list("pk", flat=True)) == [mine.pk]
    assert not selectors.lead_list(user=AnonymousUser()).exists()
    with pytest.raises(Lead.DoesNotExist):
        selectors.lead_get(user=rep, lead_id=theirs.pk)
    assert selectors.lead_get(user=rep, lead_id=mine.pk) == mine


def test_lead_list_query_count_is_constant(marketer, rep, django_assert_num_queries) -> None:
    for _ in range(5):
        lead_in_state("handed_off", marketer=marketer, rep=rep)
    # the role lookup is cached on the user, so the list itself is one query
    assert roles_of(marketer) == {MARKETING}
    with django_assert_num_queries(1):
        rows = [
            (lead.campaign.name, lead.owner.username) for lead in selectors.lead_list(user=marketer)
        ]
    assert len(rows) == 5


def test_inbox_lists_pending_handoffs_most_urgent_first(
    marketer, manager, rep, django_assert_num_queries
) -> None:
    # given a hot-lead policy: scores 80+ are due in 1 hour, others in the default 24
    SLAPolicy.objects.create(name="Hot", min_score=80, max_score=100, response_hours=1)
    later = lead_in_state("mql", marketer=marketer, score=10)
    sooner = lead_in_state("mql", marketer=marketer, score=90)
    answered = lead_in_state("accepted", marketer=marketer, rep=rep)
    services.lead_handoff(lead_id=later.pk, actor=manager, assignee_id=rep.pk)
    services.lead_handoff(lead_id=sooner.pk, actor=manager, assignee_id=rep.pk)
    with django_assert_num_queries(1):
        inbox = [(h.lead.email, h.lead.campaign.name) for h in selectors.inbox_for(rep=rep)]
    assert [email for email, _ in inbox] == [sooner.email, later.email]
    assert answered.email not in {email for email, _ in inbox}


def test_lead_events_oldest_first_and_handoffs_newest_first(
    marketer, manager, rep, other_rep
) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    services.lead_reassign(lead_id=lead.pk, actor=manager, assignee_id=other_rep.pk)
    assert [e.action for e in selectors.lead_events(lead_id=lead.pk)] == [
        "created",
        "qualify",
        "handoff",
        "reassign",
    ]
    handoffs = list(selectors.lead_handoffs(lead_id=lead.pk))
    assert [h.outcome for h in handoffs] == ["pending", "reassigned"]
    assert selectors.current_handoff(lead_id=lead.pk) == handoffs[0]


def test_handoff_and_opportunity_lists_follow_visibility(marketer, rep, other_rep) -> None:
    mine = lead_in_state("converted", marketer=marketer, rep=rep)
    lead_in_state("converted", marketer=marketer, rep=other_rep)
    assert [h.lead_id for h in selectors.handoff_list(user=rep)] == [mine.pk]
    assert [o.lead_id for o in selectors.opportunity_list(user=rep)] == [mine.pk]
    assert selectors.handoff_list(user=marketer).count() == 2
    assert selectors.opportunity_list(user=marketer).count() == 2


def test_allowed_actions_show_only_what_the_viewer_may_do_now(
    marketer, manager, rep, other_rep
) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    assert selectors.allowed_actions(user=rep, lead=lead) == ["accept", "reject"]
    assert selectors.allowed_actions(user=other_rep, lead=lead) == []
    assert selectors.allowed_actions(user=marketer, lead=lead) == []
    assert selectors.allowed_actions(user=manager, lead=lead) == ["reassign", "accept", "reject"]
    new = lead_in_state("new", marketer=marketer)
    assert selectors.allowed_actions(user=marketer, lead=new) == [
        "qualify",
        "nurture",
        "disqualify",
    ]


def test_campaign_feedback_aggregates_what_reps_said(marketer, rep) -> None:
    campaign = CampaignFactory()
    other = CampaignFactory()
    for reason, rating in [("no_budget", 2), ("no_budget", 1), ("spam", None)]:
        lead = lead_in_state("handed_off", marketer=marketer, rep=rep, campaign=campaign)
        services.lead_reject(
            lead_id=lead.pk, actor=rep, reason=reason, rating=rating, feedback=f"{reason}!"
        )
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep, campaign=campaign)
    services.lead_accept(lead_id=lead.pk, actor=rep, rating=5)
    lead_in_state("rejected", marketer=marketer, rep=rep, campaign=other)

    feedback = selectors.campaign_feedback(campaign_id=campaign.pk)

    assert feedback["rejections_by_reason"] == {"no_budget": 2, "spam": 1}
    assert (feedback["accepted"], feedback["rejected"]) == (1, 3)
    assert feedback["average_rating"] == pytest.approx(8 / 3, abs=0.01)
    assert feedback["ratings"] == 3
    assert {f["feedback"] for f in feedback["recent_feedback"]} == {"no_budget!", "spam!"}
    assert [h.outcome for h in selectors.lead_feedback(lead_id=lead.pk)] == ["accepted"]
