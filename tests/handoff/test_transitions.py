"""Every row of the transition table: the allowed move, and refused moves (wrong state,
wrong role, another rep's lead), each checking state, handoff record and audit event."""

from typing import Any

import pytest

from handoff import services
from handoff.models import Handoff, LeadEvent
from leads.errors import ActionNotAllowed, InvalidTransition
from leads.models import Lead
from tests.factories import lead_in_state


@pytest.fixture
def people(marketer, rep, other_rep, manager) -> dict[str, Any]:
    return {"marketer": marketer, "rep": rep, "other_rep": other_rep, "manager": manager}


def move(action: str, lead: Lead, actor, people: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {"lead_id": lead.pk, "actor": actor}
    if action == "handoff":
        kwargs["assignee_id"] = people["rep"].pk
    elif action == "reassign":
        kwargs["assignee_id"] = people["other_rep"].pk
    elif action == "reject":
        kwargs.update(reason="not_a_fit", rating=2, feedback="Too small")
    elif action == "accept":
        kwargs.update(rating=5, feedback="Great fit")
    elif action == "convert":
        kwargs["amount"] = "12000.00"
    elif action == "qualify":
        kwargs["score"] = 80
    elif action == "disqualify":
        kwargs["reason"] = "competitor employee"
    return getattr(services, f"lead_{action}")(**kwargs)


def snapshot(lead: Lead) -> tuple:
    lead.refresh_from_db()
    handoffs = list(
        Handoff.objects.filter(lead=lead)
        .order_by("id")
        .values_list("id", "outcome", "assignee_id", "responded_at", "reason", "rating")
    )
    return (lead.status, lead.owner_id, handoffs, LeadEvent.objects.filter(lead=lead).count())


ALLOWED = [
    # action, from, actor, to
    ("qualify", "new", "marketer", "mql"),
    ("qualify", "nurture", "manager", "mql"),
    ("nurture", "new", "marketer", "nurture"),
    ("handoff", "mql", "marketer", "handed_off"),
    ("reassign", "handed_off", "manager", "handed_off"),
    ("accept", "handed_off", "rep", "accepted"),
    ("accept", "handed_off", "manager", "accepted"),
    ("reject", "handed_off", "rep", "rejected"),
    ("reject", "accepted", "rep", "rejected"),
    ("recycle", "rejected", "marketer", "nurture"),
    ("disqualify", "new", "marketer", "disqualified"),
    ("disqualify", "nurture", "manager", "disqualified"),
    ("disqualify", "mql", "marketer", "disqualified"),
    ("disqualify", "rejected", "marketer", "disqualified"),
    ("convert", "accepted", "rep", "converted"),
    ("convert", "accepted", "manager", "converted"),
]


@pytest.mark.parametrize(("action", "source", "who", "target"), ALLOWED)
def test_allowed_move_writes_state_handoff_and_one_event(
    people, action: str, source: str, who: str, target: str
) -> None:
    # given a lead in the source state
    lead = lead_in_state(source, marketer=people["marketer"], rep=people["rep"])
    _, _, handoffs_before, events_before = snapshot(lead)
    actor = people[who]

    # when the allowed actor makes the move
    move(action, lead, actor, people)

    # then the lead is in the target state, with one new audit event naming the move
    lead.refresh_from_db()
    assert lead.status == target
    events = list(LeadEvent.objects.filter(lead=lead).order_by("id"))
    assert len(events) == events_before + 1
    event = events[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        action,
        source,
        target,
        actor.pk,
    )
    # and the handoff record follows the move
    handoffs = list(Handoff.objects.filter(lead=lead).order_by("id"))
    if action == "handoff":
        assert len(handoffs) == 1
        assert handoffs[0].outcome == "pending"
        assert handoffs[0].assignee == people["rep"] == lead.owner
        assert event.handoff == handoffs[0]
    elif action == "reassign":
        assert [h.outcome for h in handoffs] == ["reassigned", "pending"]
        assert handoffs[0].closed_at == event.at
        assert handoffs[1].assignee == people["other_rep"] == lead.owner
        assert event.handoff == handoffs[1]
    elif action == "accept":
        assert handoffs[-1].outcome == "accepted"
        assert handoffs[-1].rating == 5
        assert handoffs[-1].responded_at == event.at == lead.first_accepted_at
        assert event.handoff == handoffs[-1]
    elif action == "reject":
        h = handoffs[-1]
        assert (h.outcome, h.reason, h.rating, h.feedback) == (
            "rejected",
            "not_a_fit",
            2,
            "Too small",
        )
        if source == "accepted":
            # the first answer (the accept) is kept: the SLA measures it
            assert h.responded_at == handoffs_before[-1][3]
            assert h.responded_at < event.at
        else:
            assert h.responded_at == event.at
    elif action == "convert":
        assert lead.opportunity.amount == 12000
        assert lead.opportunity.owner == people["rep"]
        assert event.opportunity == lead.opportunity
        assert lead.converted_at == event.at
    else:
        assert [
            (h.id, h.outcome, h.assignee_id, h.responded_at, h.reason, h.rating) for h in handoffs
        ] == handoffs_before


WRONG_STATE = [
    ("qualify", "mql", "marketer"),
    ("qualify", "handed_off", "manager"),
    ("nurture", "nurture", "marketer"),
    ("nurture", "mql", "marketer"),
    ("handoff", "new", "marketer"),
    ("handoff", "handed_off", "marketer"),
    ("reassign", "accepted", "manager"),
    ("accept", "accepted", "rep"),
    ("accept", "rejected", "manager"),
    ("reject", "rejected", "rep"),
    ("reject", "converted", "manager"),
    ("recycle", "nurture", "marketer"),
    ("disqualify", "handed_off", "marketer"),
    ("disqualify", "converted", "manager"),
    ("convert", "handed_off", "rep"),
    ("convert", "converted", "manager"),
]


@pytest.mark.parametrize(("action", "source", "who"), WRONG_STATE)
def test_move_from_wrong_state_is_refused_naming_the_state_and_changes_nothing(
    people, action: str, source: str, who: str
) -> None:
    # given a lead in a state the table does not allow for the move
    lead = lead_in_state(source, marketer=people["marketer"], rep=people["rep"])
    before = snapshot(lead)

    # when an allowed role tries it
    with pytest.raises(InvalidTransition) as refused:
        move(action, lead, people[who], people)

    # then it is refused with the current state, and nothing changed
    assert refused.value.status == source
    assert source in refused.value.message
    assert refused.value.http_status == 409
    assert snapshot(lead) == before


WRONG_ROLE = [
    ("qualify", "new", "rep"),
    ("nurture", "new", "rep"),
    ("handoff", "mql", "rep"),
    ("reassign", "handed_off", "marketer"),
    ("reassign", "handed_off", "rep"),
    ("accept", "handed_off", "marketer"),
    ("reject", "handed_off", "marketer"),
    ("recycle", "rejected", "rep"),
    ("disqualify", "new", "rep"),
    ("convert", "accepted", "marketer"),
]


@pytest.mark.parametrize(("action", "source", "who"), WRONG_ROLE)
def test_move_by_wrong_role_is_forbidden_and_changes_nothing(
    people, action: str, source: str, who: str
) -> None:
    # given a lead in a state the move allows
    lead = lead_in_state(source, marketer=people["marketer"], rep=people["rep"])
    before = snapshot(lead)

    # when a role the table does not name tries it
    with pytest.raises(ActionNotAllowed) as refused:
        move(action, lead, people[who], people)

    # then it is forbidden and nothing changed
    assert refused.value.http_status == 403
    assert snapshot(lead) == before


@pytest.mark.parametrize(
    ("action", "source"),
    [
        ("accept", "handed_off"),
        ("reject", "handed_off"),
        ("reject", "accepted"),
        ("convert", "accepted"),
    ],
)
def test_move_on_another_reps_lead_is_forbidden_and_changes_nothing(
    people, action: str, source: str
) -> None:
    # given a lead assigned to rep
    lead = lead_in_state(source, marketer=people["marketer"], rep=people["rep"])
    before = snapshot(lead)

    # when another rep tries to answer or convert it
    with pytest.raises(ActionNotAllowed):
        move(action, lead, people["other_rep"], people)

    # then nothing changed
    assert snapshot(lead) == before


def test_anonymous_like_user_without_role_may_not_move(people, db) -> None:
    from tests.factories import UserFactory

    # given a user without any role
    nobody = UserFactory()
    lead = lead_in_state("new", marketer=people["marketer"])

    # when they try to qualify, then it is forbidden
    with pytest.raises(ActionNotAllowed):
        services.lead_qualify(lead_id=lead.pk, actor=nobody)
    assert Lead.objects.get(pk=lead.pk).status == "new"
