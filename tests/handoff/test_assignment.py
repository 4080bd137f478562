"""Who gets the lead: the pure round-robin, rules, away reps, caps, the recorded reason,
and the two concurrency proofs on PostgreSQL (one accept wins; fair turns)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from handoff import assignment, services
from handoff.models import AssignmentRule, Handoff, LeadEvent, RepAvailability, RotationPointer
from leads.errors import DomainError, InvalidInput, InvalidTransition
from leads.models import Channel, Lead
from tests.factories import CampaignFactory, UserFactory, lead_in_state

# --------------------------------------------------------------------------- pure choice


def test_rotation_starts_at_the_lowest_id_and_wraps() -> None:
    assert assignment.next_in_rotation([3, 1, 2], None, {}).user_id == 1
    assert assignment.next_in_rotation([3, 1, 2], 1, {}).user_id == 2
    assert assignment.next_in_rotation([3, 1, 2], 3, {}).user_id == 1


def test_rotation_skips_unavailable_and_says_why() -> None:
    choice = assignment.next_in_rotation([1, 2, 3, 4], 1, {2: "away", 3: "inactive"})
    assert choice.user_id == 4
    assert choice.skipped == [(2, "away"), (3, "inactive")]


def test_rotation_continues_after_a_pointer_that_left_the_pool() -> None:
    assert assignment.next_in_rotation([1, 5, 9], 6, {}).user_id == 9


def test_rotation_with_nobody_available_chooses_nobody() -> None:
    choice = assignment.next_in_rotation([1, 2], None, {1: "away", 2: "away"})
    assert choice.user_id is None
    assert len(choice.skipped) == 2
    assert assignment.next_in_rotation([], None, {}).user_id is None


# --------------------------------------------------------------------------- in the database


@pytest.fixture
def reps(db) -> list:
    return [UserFactory(role="sales") for _ in range(3)]


def handoff_new_lead(marketer, **fields) -> Handoff:
    lead = lead_in_state("mql", marketer=marketer, **fields)
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    return Handoff.objects.get(lead=lead, outcome="pending")


def test_handoffs_take_turns_over_the_reps(marketer, reps) -> None:
    assignees = [handoff_new_lead(marketer).assignee for _ in range(6)]
    assert assignees == reps + reps
    handoffs = Handoff.objects.order_by("id")
    assert [h.assignment["turn"] for h in handoffs] == [1, 2, 3, 4, 5, 6]
    assert RotationPointer.objects.get(key="default").last_user_id == reps[2].pk


def test_inactive_and_away_reps_are_skipped_and_recorded(marketer, reps) -> None:
    reps[0].is_active = False
    reps[0].save()
    RepAvailability.objects.create(user=reps[1], away=True)

    handoff = handoff_new_lead(marketer)

    assert handoff.assignee == reps[2]
    assert handoff.assignment["skipped"] == [
        {"user_id": reps[0].pk, "username": reps[0].username, "reason": "inactive"},
        {"user_id": reps[1].pk, "username": reps[1].username, "reason": "away"},
    ]
    assert "skipped" in assignment.describe(handoff.assignment)
    assert "away" in assignment.describe(handoff.assignment)


def test_rep_at_the_open_leads_cap_is_skipped(marketer, reps) -> None:
    RepAvailability.objects.create(user=reps[0], max_open_leads=1)
    first = handoff_new_lead(marketer)
    assert first.assignee == reps[0]
    following = [handoff_new_lead(marketer) for _ in range(3)]
    assert [h.assignee for h in following] == [reps[1], reps[2], reps[1]]
    assert following[2].assignment["skipped"][0]["reason"].startswith("at cap (1/1")


def test_country_rule_narrows_the_pool(marketer, reps) -> None:
    rule = AssignmentRule.objects.create(name="Spain", country="ES")
    rule.reps.set([reps[1], reps[2]])

    spanish = [handoff_new_lead(marketer, country="ES") for _ in range(3)]
    other = handoff_new_lead(marketer, country="FR")

    assert [h.assignee for h in spanish] == [reps[1], reps[2], reps[1]]
    assert spanish[0].assignment["rule"] == "Spain"
    assert other.assignee == reps[0]
    assert other.assignment["rule"] is None


def test_channel_rule_matches_the_campaign_channel(marketer, reps) -> None:
    rule = AssignmentRule.objects.create(name="Events team", channel=Channel.EVENTS)
    rule.reps.set([reps[2]])
    booth = CampaignFactory(channel=Channel.EVENTS)
    assert handoff_new_lead(marketer, campaign=booth).assignee == reps[2]
    assert handoff_new_lead(marketer, campaign=booth).assignee == reps[2]


def test_rule_with_nobody_available_falls_back_to_the_rotation(marketer, reps) -> None:
    rule = AssignmentRule.objects.create(name="Spain", country="ES")
    rule.reps.set([reps[1]])
    RepAvailability.objects.create(user=reps[1], away=True)

    handoff = handoff_new_lead(marketer, country="ES")

    assert handoff.assignee == reps[0]
    assert handoff.assignment["notes"] == ["rule 'Spain' had no available rep"]


def test_handoff_with_nobody_available_is_refused(marketer, reps) -> None:
    for rep in reps:
        RepAvailability.objects.create(user=rep, away=True)
    lead = lead_in_state("mql", marketer=marketer)
    with pytest.raises(InvalidInput) as refused:
        services.lead_handoff(lead_id=lead.pk, actor=marketer)
    assert "assignee" in refused.value.errors
    assert Lead.objects.get(pk=lead.pk).status == "mql"
    assert RotationPointer.objects.get(key="default").turn == 0


# --------------------------------------------------------------------------- concurrency


def run_concurrently(calls: list, workers: int) -> list:
    """Run the calls from `workers` threads (each with its own database connection),
    released together by a barrier; returns each call's result or DomainError."""
    barrier = threading.Barrier(min(workers, len(calls)))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call()
        except DomainError as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_accepts_give_exactly_one_success(marketer, rep) -> None:
    # given a lead handed off to rep
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)

    # when 20 threads accept it at once
    results = run_concurrently(
        [lambda: services.lead_accept(lead_id=lead.pk, actor=rep) for _ in range(20)], workers=20
    )

    # then exactly one succeeds, 19 are refused naming the new state, one event exists
    successes = [r for r in results if isinstance(r, Lead)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(successes) == 1
    assert len(refused) == 19
    assert {r.status for r in refused} == {"accepted"}
    assert LeadEvent.objects.filter(lead=lead, action="accept").count() == 1
    assert Handoff.objects.get(lead=lead).outcome == "accepted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixty_concurrent_handoffs_over_six_reps_give_each_ten(marketer) -> None:
    # given six reps and sixty MQLs
    reps = [UserFactory(role="sales") for _ in range(6)]
    leads = [lead_in_state("mql", marketer=marketer) for _ in range(60)]

    # when all sixty are handed off concurrently by the assignment rule
    results = run_concurrently(
        [
            (lambda lead_id=lead.pk: services.lead_handoff(lead_id=lead_id, actor=marketer))
            for lead in leads
        ],
        workers=30,
    )

    # then every handoff succeeded, each rep got exactly ten, and no turn was taken twice
    assert all(isinstance(r, Lead) for r in results), [
        r for r in results if not isinstance(r, Lead)
    ]
    counts = Counter(Handoff.objects.values_list("assignee_id", flat=True))
    assert counts == {rep.pk: 10 for rep in reps}
    turns = sorted(Handoff.objects.values_list("assignment__turn", flat=True))
    assert turns == list(range(1, 61))
    assert RotationPointer.objects.get(key="default").turn == 60
