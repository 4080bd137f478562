"""The settings pages in the handoff app: who may open each, what a manager's form does,
a rep's own away toggle, and query counts constant in the number of rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from handoff.models import AssignmentRule, BusinessHours, RepAvailability, SLAPolicy
from handoff.services import routing, team
from leads.audit import setting_changes
from leads.models import Channel
from leads.roles import roles_of
from tests.factories import UserFactory, lead_in_state

MANAGER_PAGES = [
    ("handoff:settings_users", {}),
    ("handoff:settings_user_new", {}),
    ("handoff:settings_user", {"user_id": "member"}),
    ("handoff:settings_sla", {}),
    ("handoff:settings_sla_new", {}),
    ("handoff:settings_sla_edit", {"policy_id": "policy"}),
    ("handoff:settings_hours_new", {}),
    ("handoff:settings_hours_edit", {"hours_id": "hours"}),
    ("handoff:settings_rules", {}),
    ("handoff:settings_rule_new", {}),
    ("handoff:settings_rule_edit", {"rule_id": "rule"}),
    ("settings_hub", {}),
    ("settings_history", {}),
]
MANAGER_POSTS = [
    ("handoff:settings_sla_delete", {"policy_id": "policy"}),
    ("handoff:settings_hours_delete", {"hours_id": "hours"}),
    ("handoff:settings_rule_delete", {"rule_id": "rule"}),
    ("handoff:settings_rule_move", {"rule_id": "rule"}),
]


@pytest.fixture
def objects(db, rep) -> dict:
    rule = AssignmentRule.objects.create(name="Spain", country="ES")
    rule.reps.add(rep)
    return {
        "member": rep.pk,
        "policy": SLAPolicy.objects.create(name="Hot", min_score=70, response_hours=4).pk,
        "hours": BusinessHours.objects.create(weekday=0, opens=dt.time(9), closes=dt.time(17)).pk,
        "rule": rule.pk,
    }


def url_of(name: str, kwargs: dict, objects: dict) -> str:
    return reverse(name, kwargs={key: objects[value] for key, value in kwargs.items()})


@pytest.mark.parametrize(("name", "kwargs"), MANAGER_PAGES)
def test_settings_pages_by_role(client, objects, name, kwargs, marketer, rep, manager) -> None:
    url = url_of(name, kwargs, objects)
    # Anonymous: to the sign-in page
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    # Marketing and sales: forbidden
    for user in (marketer, rep):
        client.force_login(user)
        assert client.get(url).status_code == 403
    # Manager: the page
    client.force_login(manager)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), MANAGER_POSTS)
def test_settings_posts_refused_to_non_managers(client, objects, name, kwargs, marketer, rep):
    url = url_of(name, kwargs, objects)
    assert client.post(url).status_code == 302
    for user in (marketer, rep):
        client.force_login(user)
        assert client.post(url, {"direction": "up"}).status_code == 403
    assert SLAPolicy.objects.count() == BusinessHours.objects.count() == 1
    assert AssignmentRule.objects.count() == 1
    # A manager's GET of a write-only address: 405, nothing changed
    client.force_login(UserFactory(role="manager"))
    assert client.get(url).status_code == 405


def test_own_away_page_for_reps_and_managers_only(client, marketer, rep, manager) -> None:
    url = reverse("handoff:settings_me")
    assert client.get(url).status_code == 302
    client.force_login(marketer)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    # A rep marks themself away: saved, audited, and back again
    client.force_login(rep)
    assert client.get(url).status_code == 200
    response = client.post(url, {"away": "on"}, follow=True)
    assert "You are away" in response.content.decode()
    assert RepAvailability.objects.get(user=rep).away is True
    client.post(url, {})
    assert RepAvailability.objects.get(user=rep).away is False
    assert [c.actor for c in setting_changes(area="availability")] == [rep, rep]


def test_the_nav_shows_settings_to_managers_and_away_to_reps(client, rep, manager) -> None:
    client.force_login(manager)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("settings_hub")}"' in page
    client.force_login(rep)
    page = client.get(reverse("handoff:inbox")).content.decode()
    assert f'href="{reverse("handoff:settings_me")}"' in page
    assert f'href="{reverse("settings_hub")}"' not in page


def test_manager_creates_a_user_with_a_password(client, manager) -> None:
    client.force_login(manager)
    response = client.post(
        reverse("handoff:settings_user_new"),
        {"username": "eva", "role": "marketing", "password": "Str0ng-pass!", "email": ""},
    )
    assert response.status_code == 302
    eva = team.User.objects.get(username="eva")
    assert roles_of(eva) == {"marketing"} and eva.check_password("Str0ng-pass!")


def test_user_form_shows_refusals_next_to_fields(client, manager, rep) -> None:
    client.force_login(manager)
    response = client.post(
        reverse("handoff:settings_user_new"), {"username": rep.username, "role": "sales"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors or "password" in form.errors
    assert not setting_changes().exists()


def test_manager_deactivates_a_rep_from_the_page(client, manager, marketer, rep, other_rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep)
    client.force_login(manager)
    url = reverse("handoff:settings_user", kwargs={"user_id": rep.pk})
    response = client.post(url, {"form": "deactivate", "deactivate-successor": ""}, follow=True)
    assert "1 pending leads reassigned" in response.content.decode()
    lead.refresh_from_db()
    rep.refresh_from_db()
    assert lead.owner == other_rep and not rep.is_active


def test_manager_sets_cap_and_role_from_the_user_page(client, manager, rep) -> None:
    client.force_login(manager)
    url = reverse("handoff:settings_user", kwargs={"user_id": rep.pk})
    client.post(
        url,
        {"form": "availability", "availability-max_open_leads": "7", "availability-away": "on"},
    )
    availability = RepAvailability.objects.get(user=rep)
    assert (availability.away, availability.max_open_leads) == (True, 7)
    client.post(
        url,
        {
            "form": "profile",
            "profile-role": "marketing",
            "profile-email": rep.email,
            "profile-first_name": "X",
            "profile-last_name": "",
        },
    )
    assert roles_of(team.User.objects.get(pk=rep.pk)) == {"marketing"}


def test_sla_overlap_is_shown_on_the_form(client, manager) -> None:
    SLAPolicy.objects.create(name="Hot", min_score=70, max_score=100, response_hours=4)
    client.force_login(manager)
    data = {
        "name": "Warm",
        "min_score": "50",
        "max_score": "80",
        "response_hours": "8",
        "remind_at_percent": "75",
        "max_auto_reassignments": "1",
        "active": "on",
    }
    response = client.post(reverse("handoff:settings_sla_new"), data)
    assert response.status_code == 200
    assert "overlap" in " ".join(response.context["form"].errors["min_score"])
    data["min_score"], data["max_score"] = "0", "69"
    assert client.post(reverse("handoff:settings_sla_new"), data).status_code == 302
    assert SLAPolicy.objects.count() == 2


def test_business_hours_added_from_the_sla_page(client, manager) -> None:
    client.force_login(manager)
    url = reverse("handoff:settings_hours_new")
    response = client.post(url, {"weekday": "0", "opens": "09:00", "closes": "17:00"})
    assert response.status_code == 302
    response = client.post(url, {"weekday": "0", "opens": "18:00", "closes": "08:00"})
    assert response.status_code == 200 and response.context["form"].errors["closes"]
    assert BusinessHours.objects.count() == 1


def test_rule_page_and_preview(client, manager) -> None:
    ana = UserFactory(role="sales", first_name="Ana", last_name="")
    luis = UserFactory(role="sales", first_name="Luis", last_name="")
    client.force_login(manager)
    response = client.post(
        reverse("handoff:settings_rule_new"),
        {"name": "ES webinars", "country": "ES", "channel": "webinar", "reps": [ana.pk, luis.pk]},
    )
    assert response.status_code == 302 and "preview=1" in response.url
    page = client.get(response.url).content.decode()
    assert "It would go to:" in page
    assert "<strong>Ana</strong>" in page and "then Luis" in page
    assert "ES webinars" in page


def test_rule_up_and_down(client, manager, rep) -> None:
    client.force_login(manager)
    first = routing.routing_rule_save(
        actor=manager, values={"name": "A", "country": "ES", "reps": [rep.pk]}
    )
    routing.routing_rule_save(
        actor=manager, values={"name": "B", "channel": Channel.WEBINAR, "reps": [rep.pk]}
    )
    client.post(
        reverse("handoff:settings_rule_move", kwargs={"rule_id": first.pk}), {"direction": "down"}
    )
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["B", "A"]


def test_set_password_page_with_a_bad_link_says_so(client, db) -> None:
    url = reverse("handoff:set_password", kwargs={"uidb64": "MQ", "token": "bad-token"})
    response = client.get(url)
    assert response.status_code == 200
    assert "invalid or was already used" in response.content.decode()


# --------------------------------------------------------------------------- query counts


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    print(f"{url}: {len(queries)} queries")
    return len(queries)


def test_users_list_query_count_is_constant(client, manager, marketer) -> None:
    client.force_login(manager)
    url = reverse("handoff:settings_users")
    for _ in range(2):
        rep = UserFactory(role="sales")
        lead_in_state("handed_off", marketer=marketer, rep=rep)
        team.availability_set(actor=manager, user_id=rep.pk, max_open_leads=3)
    small = count_queries(client, url)
    for _ in range(18):
        rep = UserFactory(role="sales")
        team.availability_set(actor=manager, user_id=rep.pk, away=True)
    assert count_queries(client, url) == small <= 8  # 6 measured: session, user, shell, page


def test_rules_list_query_count_is_constant(client, manager) -> None:
    client.force_login(manager)
    reps = [UserFactory(role="sales") for _ in range(3)]
    url = reverse("handoff:settings_rules") + "?preview=1&country=ES&channel=webinar&score=50"

    def add_rules(n: int) -> None:
        for i in range(n):
            routing.routing_rule_save(
                actor=manager, values={"name": f"R{i}", "country": "FR", "reps": reps}
            )

    add_rules(2)
    small = count_queries(client, url)
    add_rules(18)
    assert count_queries(client, url) == small <= 12  # 10 measured, with the preview


def test_invitation_link_sets_the_password_once(client, manager) -> None:
    # Given an invitation link for a new rep
    user = team.user_create(
        actor=manager, username="ana", role="sales", email="ana@example.com", invite=True
    )
    link = team.invitation_link(user, base_url="")
    # When the rep opens it and chooses a password
    response = client.get(link)
    assert response.status_code == 302  # Django moves the token out of the address
    form_url = response.url
    response = client.post(
        form_url, {"new_password1": "Wide-Sky-7391", "new_password2": "Wide-Sky-7391"}
    )
    assert response.status_code == 302
    # Then they can sign in with it, and the link no longer works
    user.refresh_from_db()
    assert user.check_password("Wide-Sky-7391")
    client.logout()
    page = client.get(link).content.decode()
    assert "invalid or was already used" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"form": "nonsense"},
        {"direction": "sideways", "weekday": "9", "opens": "25:00", "closes": "x"},
        {"name": "x" * 500, "min_score": "-1", "max_score": "abc", "reps": ["nope"]},
        {"form": "deactivate", "deactivate-successor": "999999"},
        {"form": "availability", "availability-max_open_leads": "-5"},
        {"form": "profile", "profile-role": "boss", "profile-email": "not-an-email"},
    ],
)
def test_bad_input_on_every_settings_write_is_a_clear_answer(client, objects, manager, data):
    client.force_login(manager)
    before = setting_changes().count()
    # (every form, and the reorder; the deletes need no input and are tested above)
    for name, kwargs in [*MANAGER_PAGES, ("handoff:settings_rule_move", {"rule_id": "rule"})]:
        response = client.post(url_of(name, kwargs, objects), data)
        assert response.status_code in (200, 302, 405), (name, response.status_code)
    missing = reverse("handoff:settings_rule_move", kwargs={"rule_id": 999999})
    assert client.post(missing, {"direction": "up"}).status_code == 302
    assert setting_changes().count() == before
