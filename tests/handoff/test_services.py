"""The workflow service beyond the table: capture, bulk capture, edits, input checks,
backfill, opportunity moves, the domain signal and what is queued after commit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from handoff import services
from handoff.models import Handoff, LeadEvent
from handoff.signals import lead_moved, leads_captured
from leads.errors import ActionNotAllowed, DuplicateLead, InvalidInput, InvalidTransition
from leads.models import Lead
from notifications.models import Notification
from tests.factories import CampaignFactory, UserFactory, lead_in_state


@pytest.fixture
def moved():
    """Collects lead_moved sends."""
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs)

    lead_moved.connect(listener)
    yield calls
    lead_moved.disconnect(listener)


@pytest.fixture
def captured():
    """Collects leads_captured sends."""
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs)

    leads_captured.connect(listener)
    yield calls
    leads_captured.disconnect(listener)


# --------------------------------------------------------------------------- capture


def test_capture_normalises_email_and_writes_created_event(marketer, moved) -> None:
    campaign = CampaignFactory()
    lead = services.lead_capture(
        actor=marketer, email="  Ada@Example.COM ", campaign_id=campaign.pk, score=40, country="es"
    )
    assert lead.email == "ada@example.com"
    assert lead.status == "new"
    assert str(lead.country) == "ES"
    event = LeadEvent.objects.get(lead=lead)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "created",
        "",
        "new",
        marketer,
    )
    assert [c["event"] for c in moved] == [event]
    assert moved[0]["previous_owner_id"] is None


def test_capture_refuses_same_email_of_live_lead_with_existing_id(marketer) -> None:
    first = services.lead_capture(actor=marketer, email="bob@example.com")
    with pytest.raises(DuplicateLead) as dup:
        services.lead_capture(actor=marketer, email="BOB@example.com ")
    assert dup.value.existing_id == first.pk
    assert dup.value.http_status == 409
    assert Lead.objects.count() == 1


def test_capture_allows_email_of_a_disqualified_lead(marketer) -> None:
    old = lead_in_state("disqualified", marketer=marketer, email="eve@example.com")
    new = services.lead_capture(actor=marketer, email="eve@example.com")
    assert new.pk != old.pk


def test_capture_refuses_same_external_id(marketer) -> None:
    first = services.lead_capture(actor=marketer, email="a@example.com", external_id="X-1")
    with pytest.raises(DuplicateLead) as dup:
        services.lead_capture(actor=marketer, email="b@example.com", external_id="X-1")
    assert dup.value.existing_id == first.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@example.com", "score": 101}, "score"),
        ({"email": "a@example.com", "country": "XX"}, "country"),
        ({"email": "a@example.com", "campaign_id": 999999}, "campaign"),
    ],
)
def test_capture_refuses_invalid_input_with_field_errors(marketer, kwargs, field) -> None:
    with pytest.raises(InvalidInput) as bad:
        services.lead_capture(actor=marketer, **kwargs)
    assert field in bad.value.errors
    assert Lead.objects.count() == 0


def test_capture_is_for_marketing_and_managers(rep, manager) -> None:
    with pytest.raises(ActionNotAllowed):
        services.lead_capture(actor=rep, email="a@example.com")
    assert services.lead_capture(actor=manager, email="a@example.com").pk


def test_capture_created_at_needs_backfill_permission(marketer, manager) -> None:
    past = timezone.now() - dt.timedelta(days=30)
    with pytest.raises(ActionNotAllowed):
        services.lead_capture(actor=marketer, email="a@example.com", created_at=past)
    lead = services.lead_capture(actor=manager, email="a@example.com", created_at=past)
    assert lead.created_at == past
    assert LeadEvent.objects.get(lead=lead).at == past


def test_capture_created_at_in_the_future_is_invalid(manager) -> None:
    with pytest.raises(InvalidInput) as bad:
        services.lead_capture(
            actor=manager, email="a@example.com", created_at=timezone.now() + dt.timedelta(hours=1)
        )
    assert "created_at" in bad.value.errors


# --------------------------------------------------------------------------- bulk capture


def test_bulk_capture_keeps_valid_rows_and_reports_the_rest(
    marketer, django_assert_max_num_queries, moved, captured
) -> None:
    existing = services.lead_capture(actor=marketer, email="taken@example.com")
    campaign = CampaignFactory()
    rows = [
        {"email": "one@example.com", "campaign_id": campaign.pk},
        {"email": "TAKEN@example.com"},
        {"email": "bad"},
        {"email": "one@example.com"},
        {"email": "two@example.com", "campaign_id": 424242},
        {"email": "three@example.com", "external_id": "E3"},
    ]
    moved.clear()
    results = services.lead_capture_bulk(actor=marketer, rows=rows)
    assert [r.status for r in results] == [
        "created",
        "duplicate",
        "invalid",
        "duplicate",
        "invalid",
        "created",
    ]
    assert results[1].existing_id == existing.pk
    assert "email" in results[2].errors
    assert "campaign" in results[4].errors
    created = Lead.objects.filter(pk__in=[results[0].lead_id, results[5].lead_id])
    assert created.count() == 2
    assert LeadEvent.objects.filter(lead__in=created, action="created").count() == 2
    # one batch signal with both created events, no lead_moved per lead
    assert moved == []
    assert len(captured) == 1
    assert sorted(e.lead_id for e in captured[0]["events"]) == sorted(c.pk for c in created)


@pytest.fixture
def no_listeners():
    """Measures the service alone: other apps' listeners of lead_moved are set aside."""
    saved = lead_moved.receivers
    lead_moved.receivers = []
    lead_moved.sender_receivers_cache.clear()
    yield
    lead_moved.receivers = saved
    lead_moved.sender_receivers_cache.clear()


def test_bulk_capture_query_count_does_not_grow_with_rows(
    marketer, django_assert_max_num_queries, no_listeners
) -> None:
    campaign = CampaignFactory()
    rows = [{"email": f"bulk{i}@example.com", "campaign_id": campaign.pk} for i in range(300)]
    UserFactory()  # warm the role cache on marketer
    services.lead_capture_bulk(actor=marketer, rows=rows[:1])
    # a handful of queries; SQLite splits the two bulk inserts into batches of its
    # variable limit, which is all that grows with the row count
    with django_assert_max_num_queries(20):
        results = services.lead_capture_bulk(actor=marketer, rows=rows[1:])
    assert {r.status for r in results} == {"created"}
    assert Lead.objects.count() == 300


def test_bulk_capture_refuses_more_than_1000_rows(marketer) -> None:
    with pytest.raises(InvalidInput):
        services.lead_capture_bulk(
            actor=marketer, rows=[{"email": f"x{i}@example.com"} for i in range(1001)]
        )
    assert Lead.objects.count() == 0


# --------------------------------------------------------------------------- update


def test_update_writes_one_event_with_the_changes(marketer, moved) -> None:
    old_campaign, new_campaign = CampaignFactory(), CampaignFactory()
    lead = lead_in_state("new", marketer=marketer, campaign=old_campaign, company="Acme")
    moved.clear()
    services.lead_update(
        lead_id=lead.pk, actor=marketer, company="Acme Ltd", campaign_id=new_campaign.pk
    )
    event = LeadEvent.objects.filter(lead=lead).last()
    assert event.action == "updated"
    assert event.data["changed"] == {
        "company": ["Acme", "Acme Ltd"],
        "campaign_id": [old_campaign.pk, new_campaign.pk],
    }
    assert moved[0]["previous_campaign_id"] == old_campaign.pk


def test_update_without_changes_writes_nothing(marketer) -> None:
    lead = lead_in_state("new", marketer=marketer, company="Acme")
    services.lead_update(lead_id=lead.pk, actor=marketer, company="Acme")
    assert LeadEvent.objects.filter(lead=lead).count() == 1


def test_update_to_a_live_email_is_a_duplicate(marketer) -> None:
    a = lead_in_state("new", marketer=marketer, email="a@example.com")
    b = lead_in_state("new", marketer=marketer, email="b@example.com")
    with pytest.raises(DuplicateLead) as dup:
        services.lead_update(lead_id=b.pk, actor=marketer, email="A@example.com")
    assert dup.value.existing_id == a.pk


def test_rep_edits_only_contact_fields_of_own_lead(marketer, rep, other_rep) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    services.lead_update(lead_id=lead.pk, actor=rep, phone="+34 600 000 000")
    with pytest.raises(ActionNotAllowed):
        services.lead_update(lead_id=lead.pk, actor=rep, score=99)
    with pytest.raises(ActionNotAllowed):
        services.lead_update(lead_id=lead.pk, actor=other_rep, phone="1")
    lead.refresh_from_db()
    assert (lead.phone, lead.score) == ("+34 600 000 000", 60)


# --------------------------------------------------------------------------- input checks


def test_reject_requires_a_known_reason(marketer, rep) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    for reason in ("", "meh"):
        with pytest.raises(InvalidInput) as bad:
            services.lead_reject(lead_id=lead.pk, actor=rep, reason=reason)
        assert "reason" in bad.value.errors
    assert Lead.objects.get(pk=lead.pk).status == "handed_off"


def test_reject_other_requires_written_feedback(marketer, rep) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    with pytest.raises(InvalidInput) as bad:
        services.lead_reject(lead_id=lead.pk, actor=rep, reason="other", feedback="  ")
    assert "feedback" in bad.value.errors
    services.lead_reject(lead_id=lead.pk, actor=rep, reason="other", feedback="Wrong region")
    assert Handoff.objects.get(lead=lead).feedback == "Wrong region"


@pytest.mark.parametrize("rating", [0, 6, "x", 2.5])
def test_rating_outside_1_to_5_is_invalid(marketer, rep, rating) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    with pytest.raises(InvalidInput) as bad:
        services.lead_accept(lead_id=lead.pk, actor=rep, rating=rating)
    assert "rating" in bad.value.errors
    assert Handoff.objects.get(lead=lead).outcome == "pending"


def test_handoff_to_someone_who_is_not_an_active_rep_is_invalid(marketer, manager, rep) -> None:
    lead = lead_in_state("mql", marketer=marketer)
    inactive = UserFactory(role="sales", is_active=False)
    for assignee in (manager.pk, inactive.pk, 999999):
        with pytest.raises(InvalidInput) as bad:
            services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=assignee)
        assert "assignee" in bad.value.errors
    assert not Handoff.objects.filter(lead=lead).exists()


def test_reassign_to_the_same_rep_is_invalid(marketer, manager, rep) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    with pytest.raises(InvalidInput):
        services.lead_reassign(lead_id=lead.pk, actor=manager, assignee_id=rep.pk)


def test_convert_needs_a_valid_amount(marketer, rep) -> None:
    lead = lead_in_state("accepted", marketer=marketer, rep=rep)
    for amount in ("abc", "-1", "1.234"):
        with pytest.raises(InvalidInput) as bad:
            services.lead_convert(lead_id=lead.pk, actor=rep, amount=amount)
        assert "amount" in bad.value.errors
    assert Lead.objects.get(pk=lead.pk).status == "accepted"


# --------------------------------------------------------------------------- backfill


def test_backfilled_at_needs_the_permission(marketer) -> None:
    lead = lead_in_state("new", marketer=marketer)
    with pytest.raises(ActionNotAllowed):
        services.lead_qualify(lead_id=lead.pk, actor=marketer, at=timezone.now())
    assert LeadEvent.objects.filter(lead=lead).count() == 1


def test_backfilled_at_may_not_be_in_the_future(manager) -> None:
    lead = lead_in_state("new", marketer=manager)
    with pytest.raises(InvalidInput) as bad:
        services.lead_qualify(
            lead_id=lead.pk, actor=manager, at=timezone.now() + dt.timedelta(minutes=5)
        )
    assert "at" in bad.value.errors
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_backfilled_at_may_not_be_before_the_previous_move(manager) -> None:
    start = timezone.now() - dt.timedelta(days=10)
    lead = services.lead_capture(actor=manager, email="h@example.com", created_at=start)
    services.lead_qualify(lead_id=lead.pk, actor=manager, at=start + dt.timedelta(days=2))
    with pytest.raises(InvalidInput) as bad:
        services.lead_disqualify(lead_id=lead.pk, actor=manager, at=start + dt.timedelta(days=1))
    assert "at" in bad.value.errors
    with pytest.raises(InvalidInput):
        services.lead_handoff(lead_id=lead.pk, actor=manager, at=start + dt.timedelta(days=1))
    assert Lead.objects.get(pk=lead.pk).status == "mql"


def test_backfilled_history_sets_the_times_of_what_moves_create(manager, rep) -> None:
    # given history from another system
    t0 = timezone.now() - dt.timedelta(days=30)
    lead = services.lead_capture(actor=manager, email="old@example.com", created_at=t0)
    services.lead_qualify(lead_id=lead.pk, actor=manager, at=t0 + dt.timedelta(days=1))
    services.lead_handoff(
        lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=t0 + dt.timedelta(days=2)
    )
    services.lead_accept(lead_id=lead.pk, actor=manager, at=t0 + dt.timedelta(days=2, hours=3))
    opp = services.lead_convert(
        lead_id=lead.pk, actor=manager, amount="900", at=t0 + dt.timedelta(days=5)
    )
    services.opportunity_win(opportunity_id=opp.pk, actor=manager, at=t0 + dt.timedelta(days=20))

    # then every time is the backfilled one
    lead.refresh_from_db()
    handoff = Handoff.objects.get(lead=lead)
    opp.refresh_from_db()
    assert lead.first_mql_at == t0 + dt.timedelta(days=1)
    assert handoff.handed_off_at == lead.first_handed_off_at == t0 + dt.timedelta(days=2)
    assert handoff.sla_due_at == handoff.handed_off_at + dt.timedelta(hours=24)
    assert handoff.responded_at == t0 + dt.timedelta(days=2, hours=3)
    assert opp.created_at == lead.converted_at == t0 + dt.timedelta(days=5)
    assert opp.closed_at == t0 + dt.timedelta(days=20)
    assert [e.action for e in LeadEvent.objects.filter(lead=lead)] == [
        "created",
        "qualify",
        "handoff",
        "accept",
        "convert",
        "won",
    ]
    # and historical moves notify nobody
    assert not Notification.objects.exists()


# --------------------------------------------------------------------------- opportunities


@pytest.fixture
def opportunity(marketer, rep):
    return lead_in_state("converted", marketer=marketer, rep=rep).opportunity


def test_stage_change_writes_stage_changed_event_on_the_lead(opportunity, rep) -> None:
    services.opportunity_update(opportunity_id=opportunity.pk, actor=rep, stage="proposal")
    event = LeadEvent.objects.filter(lead=opportunity.lead).last()
    assert (event.action, event.from_status, event.to_status) == (
        "stage_changed",
        "converted",
        "converted",
    )
    assert event.opportunity == opportunity
    assert event.data["changed"]["stage"] == ["qualification", "proposal"]


def test_stage_update_refuses_a_closed_stage(opportunity, rep) -> None:
    with pytest.raises(InvalidInput):
        services.opportunity_update(opportunity_id=opportunity.pk, actor=rep, stage="won")


def test_win_closes_with_final_amount(opportunity, rep) -> None:
    services.opportunity_win(opportunity_id=opportunity.pk, actor=rep, amount="7500")
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.amount) == ("won", Decimal("7500.00"))
    assert opportunity.closed_at is not None
    assert LeadEvent.objects.filter(lead=opportunity.lead).last().action == "won"


def test_lose_requires_a_reason(opportunity, rep) -> None:
    with pytest.raises(InvalidInput):
        services.opportunity_lose(opportunity_id=opportunity.pk, actor=rep, reason=" ")
    with pytest.raises(InvalidInput) as free_text:
        services.opportunity_lose(opportunity_id=opportunity.pk, actor=rep, reason="Chose a rival")
    assert "reason" in free_text.value.errors
    with pytest.raises(InvalidInput) as no_note:
        services.opportunity_lose(opportunity_id=opportunity.pk, actor=rep, reason="other")
    assert "note" in no_note.value.errors
    services.opportunity_lose(
        opportunity_id=opportunity.pk, actor=rep, reason="other", note="Chose a rival"
    )
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.lost_reason, opportunity.close_note) == (
        "lost",
        "other",
        "Chose a rival",
    )
    assert LeadEvent.objects.filter(lead=opportunity.lead).last().action == "lost"


def test_closed_opportunity_refuses_moves_with_its_stage(opportunity, rep) -> None:
    services.opportunity_win(opportunity_id=opportunity.pk, actor=rep)
    events = LeadEvent.objects.count()
    with pytest.raises(InvalidTransition) as refused:
        services.opportunity_lose(opportunity_id=opportunity.pk, actor=rep, reason="price")
    assert refused.value.status == "won"
    with pytest.raises(InvalidTransition):
        services.opportunity_update(opportunity_id=opportunity.pk, actor=rep, stage="proposal")
    assert LeadEvent.objects.count() == events


def test_opportunity_moves_are_for_the_owner_or_a_manager(
    opportunity, other_rep, marketer, manager
) -> None:
    for actor in (other_rep, marketer):
        with pytest.raises(ActionNotAllowed):
            services.opportunity_win(opportunity_id=opportunity.pk, actor=actor)
    services.opportunity_win(opportunity_id=opportunity.pk, actor=manager)


# --------------------------------------------------------------------------- side effects


def test_handoff_sends_signal_in_transaction_and_queues_email_on_commit(
    marketer, rep, moved, django_capture_on_commit_callbacks
) -> None:
    lead = lead_in_state("mql", marketer=marketer)
    moved.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
        # the signal went out inside the transaction; the email waits for the commit
        assert len(moved) == 1
        assert mail.outbox == []
    assert moved[0]["event"].action == "handoff"
    assert moved[0]["previous_owner_id"] is None
    assert callbacks  # the email (and whatever the listeners queue) ran on commit
    note = Notification.objects.get(recipient=rep)
    assert note.kind == "lead_assigned"
    assert [m.to for m in mail.outbox] == [[rep.email]]


def test_refused_move_sends_no_signal_and_queues_nothing(
    marketer, rep, moved, django_capture_on_commit_callbacks
) -> None:
    lead = lead_in_state("new", marketer=marketer)
    moved.clear()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidTransition):
        services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
    assert moved == []
    assert callbacks == []


def test_reject_notifies_who_handed_off(marketer, rep) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    services.lead_reject(lead_id=lead.pk, actor=rep, reason="spam")
    assert Notification.objects.get(recipient=marketer).kind == "lead_rejected"


def test_recycle_returns_the_lead_to_marketing(marketer, rep, moved) -> None:
    lead = lead_in_state("rejected", marketer=marketer, rep=rep)
    moved.clear()
    services.lead_recycle(lead_id=lead.pk, actor=marketer)
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == ("nurture", None)
    assert moved[0]["previous_owner_id"] == rep.pk


def test_a_refused_move_speaks_spanish_under_a_spanish_override(marketer, manager) -> None:
    from django.utils import translation

    lead = lead_in_state("new", marketer=marketer)
    with translation.override("es"), pytest.raises(InvalidTransition) as info:
        services.lead_accept(lead_id=lead.pk, actor=manager)
    assert info.value.message == (
        "No se puede hacer «accept» con un lead en estado nuevo (estado `new`)."
    )
    assert Lead.objects.get(pk=lead.pk).status == "new"
