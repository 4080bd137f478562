"""The settings services: refused to non-managers, validated, audited with before and
after, and the team changes going through the workflow (deactivation reassigns)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from handoff import assignment, services
from handoff.models import (
    AssignmentRule,
    BusinessHours,
    Handoff,
    LeadEvent,
    RepAvailability,
    RotationPointer,
)
from handoff.services import routing, sla_settings, team
from leads.audit import setting_changes
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Channel, SettingChange
from leads.roles import roles_of
from tests.factories import CampaignFactory, UserFactory, lead_in_state

User = get_user_model()

POLICY = {
    "name": "Hot",
    "min_score": 70,
    "max_score": 100,
    "response_hours": 4,
    "business_hours": False,
    "remind_at_percent": 75,
    "auto_reassign": False,
    "max_auto_reassignments": 1,
    "active": True,
}


def only_change(area: str) -> SettingChange:
    rows = list(setting_changes(area=area))
    assert len(rows) == 1, rows
    return rows[0]


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_every_settings_write_is_refused_to_non_managers(db, role, rep) -> None:
    # Given a marketer or a rep
    actor = UserFactory(role=role)
    policy = sla_settings.sla_policy_save(actor=UserFactory(role="manager"), values=POLICY)
    SettingChange.objects.all().delete()
    attempts = [
        lambda: team.user_create(actor=actor, username="x", role="sales", password="Str0ng-pass!"),
        lambda: team.user_update(
            actor=actor, user_id=rep.pk, email="", first_name="", last_name="", role="manager"
        ),
        lambda: team.user_deactivate(actor=actor, user_id=rep.pk),
        lambda: team.availability_set(actor=actor, user_id=rep.pk, max_open_leads=3),
        lambda: sla_settings.sla_policy_save(actor=actor, values=POLICY),
        lambda: sla_settings.sla_policy_delete(actor=actor, policy_id=policy.pk),
        lambda: sla_settings.business_hours_save(
            actor=actor, values={"weekday": 0, "opens": dt.time(9), "closes": dt.time(17)}
        ),
        lambda: routing.routing_rule_save(
            actor=actor, values={"name": "ES", "country": "ES", "reps": [rep.pk]}
        ),
    ]
    # When each write is tried, then each is refused and nothing is written
    for attempt in attempts:
        with pytest.raises(ActionNotAllowed):
            attempt()
    assert not SettingChange.objects.exists()
    assert not User.objects.filter(username="x").exists()


def test_a_rep_may_mark_only_themselves_away_and_not_set_a_cap(rep, other_rep) -> None:
    # When the rep marks themself away, then it is saved and audited with the rep as actor
    team.availability_set(actor=rep, user_id=rep.pk, away=True)
    assert RepAvailability.objects.get(user=rep).away is True
    change = only_change("availability")
    assert (change.actor, change.before, change.after) == (rep, {"away": False}, {"away": True})
    # But another rep's flag, or their own cap, is refused
    with pytest.raises(ActionNotAllowed):
        team.availability_set(actor=rep, user_id=other_rep.pk, away=True)
    with pytest.raises(ActionNotAllowed):
        team.availability_set(actor=rep, user_id=rep.pk, max_open_leads=100)


# --------------------------------------------------------------------------- users


def test_create_with_invitation_sends_a_set_password_link_and_audits(manager) -> None:
    # When a manager invites a new rep by email
    with pytest.raises(InvalidInput) as no_email:
        team.user_create(actor=manager, username="ana", role="sales", invite=True)
    assert "email" in no_email.value.errors
    user = team.user_create(
        actor=manager,
        username="ana",
        role="sales",
        email="ana@example.com",
        first_name="Ana",
        invite=True,
        base_url="http://testserver/",
    )
    # Then the user is a rep with no usable password yet, and the link is mailed on commit
    assert roles_of(user) == {"sales"} and not user.has_usable_password()
    assert not user.is_superuser
    change = only_change("users")
    assert change.action == "created" and change.actor == manager
    assert change.after["role"] == "sales" and change.after["email"] == "ana@example.com"
    assert "password" not in change.after


def test_invitation_email_carries_a_working_link(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = team.user_create(
            actor=manager,
            username="luis",
            role="sales",
            email="luis@example.com",
            invite=True,
            base_url="http://testserver/",
        )
    (message,) = mail.outbox
    assert message.to == ["luis@example.com"]
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    assert f"http://testserver/settings/welcome/{uid}/" in message.body
    assert message.alternatives == []  # a text body


def test_create_refuses_a_weak_password_and_a_taken_username(manager, rep) -> None:
    with pytest.raises(InvalidInput) as weak:
        team.user_create(actor=manager, username="bob", role="sales", password="123")
    assert "password" in weak.value.errors
    with pytest.raises(InvalidInput) as taken:
        team.user_create(
            actor=manager, username=rep.username.upper(), role="sales", password="Str0ng-pass!"
        )
    assert "username" in taken.value.errors
    with pytest.raises(InvalidInput) as role:
        team.user_create(actor=manager, username="bob", role="boss", password="Str0ng-pass!")
    assert "role" in role.value.errors
    assert not setting_changes().exists()


def test_change_role_replaces_the_group_and_audits_before_and_after(manager, rep) -> None:
    team.user_update(
        actor=manager, user_id=rep.pk, email=rep.email, first_name="R", last_name="", role="manager"
    )
    rep.refresh_from_db()
    assert roles_of(User.objects.get(pk=rep.pk)) == {"manager"}
    change = only_change("users")
    assert change.before["role"] == "sales" and change.after["role"] == "manager"
    assert change.after["first_name"] == "R"


def test_the_last_manager_cannot_be_demoted_or_deactivate_themself(manager) -> None:
    with pytest.raises(InvalidInput):
        team.user_update(
            actor=manager, user_id=manager.pk, email="", first_name="", last_name="", role="sales"
        )
    with pytest.raises(InvalidInput):
        team.user_deactivate(actor=manager, user_id=manager.pk)


def test_deactivation_reassigns_pending_leads_through_the_workflow(
    manager, marketer, rep, other_rep
) -> None:
    # Given two leads handed off to the rep and one accepted
    pending = [lead_in_state("handed_off", marketer=marketer, rep=rep) for _ in range(2)]
    accepted = lead_in_state("accepted", marketer=marketer, rep=rep)
    # When a manager deactivates the rep
    moved = team.user_deactivate(actor=manager, user_id=rep.pk)
    # Then the pending leads went to the other rep by the workflow's reassign move
    assert sorted(moved) == sorted(lead.pk for lead in pending)
    for lead in pending:
        lead.refresh_from_db()
        assert lead.owner == other_rep
        event = LeadEvent.objects.filter(lead=lead, action="reassign").get()
        assert event.actor == manager
        assert event.data["reason"] == "deactivated" and event.data["from_assignee"] == rep.pk
        assert Handoff.objects.get(lead=lead, assignee=rep).outcome == "reassigned"
    accepted.refresh_from_db()
    assert accepted.owner == rep  # the workflow has no move taking an accepted lead
    rep.refresh_from_db()
    assert rep.is_active is False
    change = only_change("users")
    assert change.before["is_active"] is True and change.after["is_active"] is False
    assert sorted(change.after["reassigned_leads"]) == sorted(moved)


def test_deactivation_with_nobody_to_take_over_changes_nothing(manager, marketer, rep) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    with pytest.raises(InvalidInput):
        team.user_deactivate(actor=manager, user_id=rep.pk)
    rep.refresh_from_db()
    lead.refresh_from_db()
    assert rep.is_active and lead.owner == rep
    assert not setting_changes().exists()


def test_deactivation_to_a_chosen_successor(manager, marketer, rep, other_rep) -> None:
    third = UserFactory(role="sales")
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    team.user_deactivate(actor=manager, user_id=rep.pk, successor_id=third.pk)
    lead.refresh_from_db()
    assert lead.owner == third


def test_manager_sets_cap_and_away_and_the_rotation_obeys(manager, marketer, rep, other_rep):
    team.availability_set(actor=manager, user_id=rep.pk, away=True, max_open_leads=5)
    change = only_change("availability")
    assert change.after == {"away": True, "max_open_leads": 5}
    lead = lead_in_state("mql", marketer=marketer)
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    lead.refresh_from_db()
    assert lead.owner == other_rep
    with pytest.raises(InvalidInput):
        team.availability_set(actor=manager, user_id=rep.pk, max_open_leads=-1)


def test_bootstrap_refuses_when_a_manager_exists_unless_forced(manager) -> None:
    with pytest.raises(ActionNotAllowed):
        team.bootstrap_manager(username="boss", email="", password="Str0ng-pass!")
    user = team.bootstrap_manager(username="boss", email="", password="Str0ng-pass!", force=True)
    assert roles_of(user) == {"manager"} and not user.is_superuser


# --------------------------------------------------------------------------- SLA


def test_sla_policy_create_edit_delete_are_audited(manager) -> None:
    policy = sla_settings.sla_policy_save(actor=manager, values=POLICY)
    sla_settings.sla_policy_save(
        actor=manager, values={**POLICY, "response_hours": 2}, policy_id=policy.pk
    )
    sla_settings.sla_policy_delete(actor=manager, policy_id=policy.pk)
    created, updated, deleted = reversed(list(setting_changes(area="sla")))
    assert created.action == "created" and created.after["response_hours"] == 4
    assert (updated.before, updated.after) == ({"response_hours": 4}, {"response_hours": 2})
    assert deleted.action == "deleted" and deleted.before["name"] == "Hot"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"min_score": 50, "max_score": 80}, "min_score"),  # overlaps 70-100
        ({"min_score": 0, "max_score": 70}, "min_score"),  # touches 70
        ({"min_score": 0, "max_score": 60, "response_hours": 0}, "response_hours"),
        ({"min_score": 60, "max_score": 10}, "max_score"),
        ({"min_score": 0, "max_score": 101}, "max_score"),
        ({"min_score": 0, "max_score": 60, "name": " "}, "name"),
        ({"min_score": 0, "max_score": 60, "business_hours": True}, "business_hours"),
    ],
)
def test_sla_policy_refuses_bad_bands_and_hours(manager, values, field) -> None:
    sla_settings.sla_policy_save(actor=manager, values=POLICY)
    with pytest.raises(InvalidInput) as refused:
        sla_settings.sla_policy_save(actor=manager, values={**POLICY, **values})
    assert field in refused.value.errors
    assert setting_changes(area="sla").count() == 1


def test_an_inactive_policy_may_overlap_and_a_band_next_door_is_fine(manager) -> None:
    sla_settings.sla_policy_save(actor=manager, values=POLICY)
    sla_settings.sla_policy_save(
        actor=manager, values={**POLICY, "min_score": 0, "max_score": 69, "name": "Warm"}
    )
    sla_settings.sla_policy_save(
        actor=manager, values={**POLICY, "min_score": 0, "max_score": 100, "active": False}
    )
    assert setting_changes(area="sla").count() == 3


def test_business_hours_validated_and_audited(manager) -> None:
    row = sla_settings.business_hours_save(
        actor=manager, values={"weekday": 0, "opens": dt.time(9), "closes": dt.time(17)}
    )
    for values, field in (
        ({"weekday": 0, "opens": dt.time(16), "closes": dt.time(18)}, "opens"),
        ({"weekday": 1, "opens": dt.time(18), "closes": dt.time(9)}, "closes"),
        ({"weekday": 9, "opens": dt.time(8), "closes": dt.time(9)}, "weekday"),
    ):
        with pytest.raises(InvalidInput) as refused:
            sla_settings.business_hours_save(actor=manager, values=values)
        assert field in refused.value.errors
    sla_settings.sla_policy_save(actor=manager, values={**POLICY, "business_hours": True})
    with pytest.raises(InvalidInput):  # the last interval of a business-hours policy stays
        sla_settings.business_hours_delete(actor=manager, hours_id=row.pk)
    change = only_change("business_hours")
    assert change.after == {"weekday": 0, "opens": "09:00:00", "closes": "17:00:00"}
    assert BusinessHours.objects.count() == 1


# --------------------------------------------------------------------------- routing


def test_routing_rules_are_created_last_reordered_and_audited(manager, rep, other_rep) -> None:
    first = routing.routing_rule_save(
        actor=manager, values={"name": "Spain", "country": "ES", "reps": [rep.pk]}
    )
    second = routing.routing_rule_save(
        actor=manager, values={"name": "Webinars", "channel": Channel.WEBINAR, "reps": [other_rep]}
    )
    assert first.priority < second.priority
    routing.routing_rule_move(actor=manager, rule_id=second.pk, direction="up")
    assert list(AssignmentRule.objects.order_by("priority").values_list("name", flat=True)) == [
        "Webinars",
        "Spain",
    ]
    moves = [c for c in setting_changes(area="routing") if c.action == "updated"]
    assert {tuple(c.after) for c in moves} == {("priority",)}
    routing.routing_rule_delete(actor=manager, rule_id=first.pk)
    assert setting_changes(area="routing").filter(action="deleted").get().before["reps"] == [
        rep.username
    ]


def test_routing_rule_refuses_no_condition_no_reps_and_non_reps(manager, marketer) -> None:
    for values, field in (
        ({"name": "x", "reps": [marketer.pk]}, "country"),
        ({"name": "x", "country": "ES", "reps": []}, "reps"),
        ({"name": "x", "country": "ES", "reps": [marketer.pk]}, "reps"),
        ({"name": "x", "country": "XX", "reps": [marketer.pk]}, "country"),
    ):
        with pytest.raises(InvalidInput) as refused:
            routing.routing_rule_save(actor=manager, values=values)
        assert field in refused.value.errors
    assert not AssignmentRule.objects.exists()


def test_routing_preview_equals_the_real_assignment(manager, marketer) -> None:
    # Given three reps, a rule for Spain on webinars with two of them, one of whom is away
    ana, luis, eva = (UserFactory(role="sales") for _ in range(3))
    routing.routing_rule_save(
        actor=manager,
        values={"name": "ES webinars", "country": "ES", "channel": "webinar", "reps": [ana, luis]},
    )
    webinar = CampaignFactory(channel=Channel.WEBINAR)
    for _round in range(3):
        # When the preview is asked, then the real handoff of such a lead picks its first rep
        pool, fallback = assignment.preview_assignees(country="ES", channel="webinar")
        assert pool.rule.name == "ES webinars" and fallback.rule is None
        assert {c.user for c in pool.candidates} == {ana, luis}
        expected = pool.available[0]
        lead = lead_in_state("mql", marketer=marketer, campaign=webinar, country="ES")
        services.lead_handoff(lead_id=lead.pk, actor=marketer)
        lead.refresh_from_db()
        assert lead.owner == expected
    # And a lead outside the rule previews (and goes) to the general rotation
    (general,) = assignment.preview_assignees(country="FR", channel="")
    assert general.rule is None
    lead = lead_in_state("mql", marketer=marketer, country="FR")
    services.lead_handoff(lead_id=lead.pk, actor=marketer)
    lead.refresh_from_db()
    assert lead.owner == general.available[0]
    assert {c.user for c in general.candidates} == {ana, luis, eva}


def test_routing_preview_shows_skipped_reps_and_takes_no_turn(manager, rep, other_rep) -> None:
    team.availability_set(actor=manager, user_id=rep.pk, away=True)
    (pool,) = assignment.preview_assignees(country="", channel="")
    assert [(c.user, c.reason) for c in pool.candidates] == [(rep, "away"), (other_rep, "")]
    assert pool.available == [other_rep]
    assert not RotationPointer.objects.filter(key="default", last_user_id__isnull=False).exists()


def test_every_other_write_is_audited_with_before_and_after(manager, rep, other_rep) -> None:
    # Given a rule, opening hours and an inactive user
    rule = routing.routing_rule_save(
        actor=manager, values={"name": "Spain", "country": "ES", "reps": [rep.pk]}
    )
    hours = sla_settings.business_hours_save(
        actor=manager, values={"weekday": 1, "opens": dt.time(9), "closes": dt.time(17)}
    )
    team.user_deactivate(actor=manager, user_id=other_rep.pk)
    SettingChange.objects.all().delete()
    # When the user is reactivated, each other row edited and the hours deleted
    team.user_reactivate(actor=manager, user_id=other_rep.pk)
    routing.routing_rule_save(
        actor=manager,
        values={"name": "Spain", "country": "ES", "channel": "webinar", "reps": [other_rep]},
        rule_id=rule.pk,
    )
    sla_settings.business_hours_save(
        actor=manager,
        values={"weekday": 1, "opens": dt.time(8), "closes": dt.time(17)},
        hours_id=hours.pk,
    )
    sla_settings.business_hours_delete(actor=manager, hours_id=hours.pk)
    # Then each change names only what changed, before and after
    changes = {(c.area, c.action): c for c in setting_changes()}
    edit = changes[("routing", "updated")]
    assert edit.before == {"channel": "", "reps": [rep.username]}
    assert edit.after == {"channel": "webinar", "reps": [other_rep.username]}
    assert changes[("business_hours", "updated")].after == {"opens": "08:00:00"}
    assert changes[("business_hours", "deleted")].before["weekday"] == 1
    assert changes[("users", "updated")].after == {"is_active": True}
    # And an edit that changes nothing writes nothing
    routing.routing_rule_save(
        actor=manager,
        values={"name": "Spain", "country": "ES", "channel": "webinar", "reps": [other_rep]},
        rule_id=rule.pk,
    )
    assert setting_changes(area="routing").count() == 1


def test_a_rep_moved_out_of_sales_hands_on_their_pending_leads(
    manager, marketer, rep, other_rep
) -> None:
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    team.user_update(
        actor=manager, user_id=rep.pk, email="", first_name="", last_name="", role="marketing"
    )
    lead.refresh_from_db()
    assert lead.owner == other_rep
    assert LeadEvent.objects.get(lead=lead, action="reassign").data["reason"] == "role_changed"


def test_moving_the_only_rep_out_of_sales_with_pending_leads_is_refused(manager, marketer, rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    with pytest.raises(InvalidInput):
        team.user_update(
            actor=manager, user_id=rep.pk, email="", first_name="", last_name="", role="marketing"
        )
    assert roles_of(User.objects.get(pk=rep.pk)) == {"sales"}
    lead.refresh_from_db()
    assert lead.owner == rep and not setting_changes().exists()
