"""The SLA: due times (wall clock and business hours), and the sweep run for real:
not yet due, reminder, just breached, breached twice, auto-reassign, away rep skipped,
escalation; the task, the command and a real worker on Redis."""

import datetime as dt
import time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from handoff import services, tasks
from handoff.models import (
    BusinessHours,
    Handoff,
    LeadEvent,
    RepAvailability,
    SLAPolicy,
)
from handoff.sla import calendar as sla
from handoff.sla import sweep
from notifications.models import Notification
from tests.factories import UserFactory, lead_in_state

UTC = dt.UTC
MADRID = ZoneInfo("Europe/Madrid")
NINE_TO_FIVE = {d: [(dt.time(9), dt.time(17))] for d in range(5)}


# --------------------------------------------------------------------------- pure due times


def test_due_at_counts_wall_clock_hours_without_a_calendar() -> None:
    start = dt.datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    assert sla.due_at(start, 24) == dt.datetime(2026, 3, 7, 18, 0, tzinfo=UTC)


def test_due_at_in_business_hours_skips_the_weekend() -> None:
    # Friday 16:00 + 4 business hours: 1 h on Friday, 3 h on Monday
    friday = dt.datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert sla.due_at(friday, 4, NINE_TO_FIVE, tz=UTC) == dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_due_at_before_opening_starts_counting_at_opening() -> None:
    early = dt.datetime(2026, 3, 3, 6, 30, tzinfo=UTC)  # Tuesday
    assert sla.due_at(early, 8, NINE_TO_FIVE, tz=UTC) == dt.datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    assert sla.due_at(early, 9, NINE_TO_FIVE, tz=UTC) == dt.datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_due_at_reads_the_calendar_in_the_local_zone() -> None:
    # 08:00 UTC is 09:00 in Madrid (winter): opening time there
    monday = dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    due = sla.due_at(monday, 2, NINE_TO_FIVE, tz=MADRID)
    assert due == dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_remind_at_is_a_share_of_the_response_time() -> None:
    start = dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    due = start + dt.timedelta(hours=24)
    assert sla.remind_at(start, due, 75) == start + dt.timedelta(hours=18)


# --------------------------------------------------------------------------- the sweep


@pytest.fixture
def handed_off(marketer, rep):
    """A lead handed off to rep now (default policy: 24 h, reminder at 75%)."""
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    mail.outbox.clear()
    Notification.objects.all().delete()
    return Handoff.objects.get(lead=lead)


def test_policy_band_and_business_hours_set_the_due_time(marketer, rep) -> None:
    SLAPolicy.objects.create(
        name="Hot", min_score=80, max_score=100, response_hours=2, business_hours=True
    )
    for weekday in range(7):
        BusinessHours.objects.create(weekday=weekday, opens=dt.time(0), closes=dt.time(23, 59))
    hot = lead_in_state("handed_off", marketer=marketer, rep=rep, score=85)
    cold = lead_in_state("handed_off", marketer=marketer, rep=rep, score=20)
    h_hot, h_cold = Handoff.objects.get(lead=hot), Handoff.objects.get(lead=cold)
    assert h_hot.sla_policy.name == "Hot"
    assert dt.timedelta(hours=2) <= h_hot.sla_due_at - h_hot.handed_off_at <= dt.timedelta(hours=3)
    assert h_cold.sla_policy is None
    assert h_cold.sla_due_at - h_cold.handed_off_at == dt.timedelta(hours=24)


def test_sweep_before_the_due_time_does_nothing(handed_off) -> None:
    result = sweep.sla_sweep(now=handed_off.handed_off_at + dt.timedelta(hours=1))
    handed_off.refresh_from_db()
    assert (result.reminded, result.breached) == ([], [])
    assert handed_off.breached_at is None and handed_off.reminded_at is None
    assert not Notification.objects.exists()


def test_sweep_reminds_the_rep_once_before_the_due_time(
    handed_off, rep, django_capture_on_commit_callbacks
) -> None:
    at = handed_off.handed_off_at + dt.timedelta(hours=19)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep.sla_sweep(now=at).reminded == [handed_off.pk]
    assert sweep.sla_sweep(now=at + dt.timedelta(minutes=1)).reminded == []
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (rep, "sla_reminder")
    assert [m.to for m in mail.outbox] == [[rep.email]]
    assert not LeadEvent.objects.filter(action="sla_breached").exists()


def test_sweep_records_a_just_breached_handoff_and_notifies_rep_and_managers(
    handed_off, rep, manager, django_capture_on_commit_callbacks
) -> None:
    # given the due time has just passed
    now = handed_off.sla_due_at + dt.timedelta(seconds=1)

    # when the sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep.sla_sweep(now=now)

    # then the breach is recorded with one event, and the rep and managers are told
    handed_off.refresh_from_db()
    assert result.breached == [handed_off.pk]
    assert handed_off.breached_at == now
    assert handed_off.outcome == "pending"
    event = LeadEvent.objects.get(action="sla_breached")
    assert (event.from_status, event.to_status, event.handoff, event.actor) == (
        "handed_off",
        "handed_off",
        handed_off,
        None,
    )
    notes = Notification.objects.filter(kind="sla_breached")
    assert set(notes.values_list("recipient", flat=True)) == {rep.pk, manager.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([rep.email, manager.email])


def test_sweep_running_twice_records_the_breach_once(handed_off, manager) -> None:
    now = handed_off.sla_due_at + dt.timedelta(minutes=5)
    sweep.sla_sweep(now=now)
    second = sweep.sla_sweep(now=now + dt.timedelta(minutes=1))
    assert second.breached == []
    assert LeadEvent.objects.filter(action="sla_breached").count() == 1
    assert Notification.objects.filter(kind="sla_breached").count() == 2


def test_answered_handoff_is_never_breached_by_the_sweep(handed_off, rep) -> None:
    services.lead_accept(lead_id=handed_off.lead_id, actor=rep)
    result = sweep.sla_sweep(now=handed_off.sla_due_at + dt.timedelta(hours=1))
    assert result.breached == []


@pytest.fixture
def reassign_policy(db) -> SLAPolicy:
    return SLAPolicy.objects.create(
        name="Reassign", min_score=0, max_score=100, response_hours=4, auto_reassign=True
    )


def test_auto_reassign_policy_hands_the_lead_to_the_next_rep(marketer, reassign_policy) -> None:
    # given three reps in rotation and a lead handed off by the rule to the first
    first, second, _third = (UserFactory(role="sales") for _ in range(3))
    lead = lead_in_state("mql", marketer=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    breached = Handoff.objects.get(lead=lead)
    assert breached.assignee == first

    # when the sweep finds it overdue
    now = breached.sla_due_at + dt.timedelta(minutes=1)
    result = sweep.sla_sweep(now=now)

    # then the breach is recorded and the lead goes to the next rep with a fresh SLA
    breached.refresh_from_db()
    assert result.reassigned == [breached.pk]
    assert (breached.outcome, breached.closed_at, breached.breached_at) == ("reassigned", now, now)
    current = Handoff.objects.get(lead=lead, outcome="pending")
    assert current.assignee == second
    assert current.handed_off_at == now
    assert current.sla_due_at == now + dt.timedelta(hours=4)
    assert current.assignment["reason"] == "sla_breach"
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == ("handed_off", second)
    assert [e.action for e in LeadEvent.objects.filter(lead=lead)][-2:] == [
        "sla_breached",
        "reassign",
    ]
    assert Notification.objects.filter(recipient=second, kind="lead_assigned").exists()


def test_auto_reassign_skips_a_rep_marked_away(marketer, reassign_policy) -> None:
    first, second, third = (UserFactory(role="sales") for _ in range(3))
    lead = lead_in_state("mql", marketer=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    RepAvailability.objects.create(user=second, away=True)

    sweep.sla_sweep(now=Handoff.objects.get(lead=lead).sla_due_at + dt.timedelta(minutes=1))

    current = Handoff.objects.get(lead=lead, outcome="pending")
    assert current.assignee == third
    assert {
        "user_id": second.pk,
        "username": second.username,
        "reason": "away",
    } in current.assignment["skipped"]
    assert first != third


def test_after_the_reassignment_limit_the_breach_is_escalated(
    marketer, manager, reassign_policy
) -> None:
    UserFactory(role="sales"), UserFactory(role="sales")
    lead = lead_in_state("mql", marketer=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    first = Handoff.objects.get(lead=lead)
    sweep.sla_sweep(now=first.sla_due_at + dt.timedelta(minutes=1))
    second = Handoff.objects.get(lead=lead, outcome="pending")

    result = sweep.sla_sweep(now=second.sla_due_at + dt.timedelta(minutes=1))

    assert result.escalated == [second.pk]
    assert result.reassigned == []
    assert Handoff.objects.get(pk=second.pk).outcome == "pending"
    assert (
        Notification.objects.filter(recipient=manager, message__startswith="Escalated").count() == 1
    )


def test_sla_check_command_runs_the_sweep_once(handed_off, manager) -> None:
    handed_off.sla_due_at = handed_off.handed_off_at  # due at once
    Handoff.objects.filter(pk=handed_off.pk).update(
        sla_due_at=handed_off.handed_off_at, sla_remind_at=handed_off.handed_off_at
    )
    out = StringIO()
    call_command("sla_check", stdout=out)
    assert "breached 1" in out.getvalue()
    assert Handoff.objects.get(pk=handed_off.pk).breached_at is not None


def test_sweep_task_runs_in_process_and_reports(handed_off) -> None:
    Handoff.objects.filter(pk=handed_off.pk).update(
        sla_due_at=handed_off.handed_off_at, sla_remind_at=handed_off.handed_off_at
    )
    assert tasks.sla_sweep.delay().get()["breached"] == 1
    assert tasks.sla_sweep.delay().get()["breached"] == 0


def test_beat_schedules_the_sweep_every_minute(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["handoff-sla-sweep"]
    assert entry["task"] == tasks.sla_sweep.name
    assert entry["schedule"] == 60.0


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_records_the_breach(celery_worker_process, manager, rep) -> None:
    # given an overdue handoff, committed
    past = timezone.now() - dt.timedelta(days=3)
    lead = services.lead_capture(actor=manager, email="late@example.com", created_at=past)
    services.lead_qualify(lead_id=lead.pk, actor=manager, at=past)
    services.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=past)

    # when the sweep task is sent to the worker on Redis (twice)
    tasks.sla_sweep.delay()
    tasks.sla_sweep.delay()

    # then the worker records the breach once and notifies
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Handoff.objects.filter(lead=lead, breached_at__isnull=False).exists():
            break
        time.sleep(0.2)
    time.sleep(1)
    assert Handoff.objects.get(lead=lead).breached_at is not None
    assert LeadEvent.objects.filter(lead=lead, action="sla_breached").count() == 1
    assert Notification.objects.filter(kind="sla_breached", recipient=rep).count() == 1
