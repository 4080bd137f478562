"""The settings hub and history pages, and the `bootstrap` command (the first manager)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.settings_pages import SETTINGS_PAGES
from handoff.services import team
from leads.audit import setting_changes
from leads.roles import roles_of
from tests.factories import UserFactory

User = get_user_model()


def test_hub_links_every_settings_page_that_exists(client, manager) -> None:
    client.force_login(manager)
    page = client.get(reverse("settings_hub")).content.decode()
    for name in ("handoff:settings_users", "handoff:settings_sla", "handoff:settings_rules"):
        assert f'href="{reverse(name)}"' in page
    assert f'href="{reverse("settings_history")}"' in page
    assert len(SETTINGS_PAGES) >= 4


def test_history_lists_changes_with_before_and_after_and_filters_by_area(client, manager, rep):
    # Given a cap change and a role change
    team.availability_set(actor=manager, user_id=rep.pk, max_open_leads=4)
    team.user_update(
        actor=manager,
        user_id=rep.pk,
        email=rep.email,
        first_name="Rita",
        last_name="",
        role="sales",
    )
    client.force_login(manager)
    # When the history is read, then both rows show who and what changed
    page = client.get(reverse("settings_history")).content.decode()
    assert "maximum open leads" in page and "<del>—</del> → <ins>4</ins>" in page
    assert "<ins>Rita</ins>" in page
    # And the area filter keeps one of them
    page = client.get(reverse("settings_history") + "?area=availability").content.decode()
    assert "maximum open leads" in page and "<ins>Rita</ins>" not in page


def test_history_query_count_is_constant(client, manager) -> None:
    client.force_login(manager)
    url = reverse("settings_history")

    def changes(n: int) -> None:
        for _ in range(n):
            actor = UserFactory(role="manager")
            team.availability_set(actor=actor, user_id=manager.pk, away=True)
            team.availability_set(actor=actor, user_id=manager.pk, away=False)

    changes(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    changes(9)
    assert setting_changes().count() == 20
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    print(f"history: {len(small)} queries at 2 rows, {len(large)} at 20")
    assert len(large) == len(small) <= 8


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_creates_the_first_manager_from_stdin(db, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-pass!\n"))
    out = io.StringIO()
    call_command(
        "bootstrap",
        "--username",
        "boss",
        "--email",
        "b@example.com",
        "--password-stdin",
        stdout=out,
    )
    boss = User.objects.get(username="boss")
    assert roles_of(boss) == {"manager"}
    assert boss.check_password("Str0ng-pass!") and not boss.is_superuser and not boss.is_staff
    assert "Created the manager 'boss'" in out.getvalue()
    assert setting_changes(area="users").get().actor is None


def test_bootstrap_refuses_a_second_manager_unless_forced(db, monkeypatch) -> None:
    UserFactory(role="manager")
    monkeypatch.setenv("BOOTSTRAP_PASSWORD", "Str0ng-pass!")
    with pytest.raises(CommandError, match="manager exists"):
        call_command("bootstrap", "--username", "boss", "--email", "", "--no-input")
    assert not User.objects.filter(username="boss").exists()
    call_command(
        "bootstrap", "--username", "boss", "--email", "", "--no-input", "--force", "--superuser"
    )
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and roles_of(boss) == {"marketing", "sales", "manager"}


def test_bootstrap_without_a_password_or_with_a_weak_one_fails_clearly(db, monkeypatch) -> None:
    monkeypatch.delenv("BOOTSTRAP_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="password"):
        call_command("bootstrap", "--username", "boss", "--email", "", "--no-input")
    monkeypatch.setenv("BOOTSTRAP_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        call_command("bootstrap", "--username", "boss", "--email", "", "--no-input")
    assert not User.objects.exists()
