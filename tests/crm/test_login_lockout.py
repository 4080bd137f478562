"""Password guessing is locked out by django-axes (issue 10, finding 4)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.http import HttpRequest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_twenty_five_wrong_passwords_lock_out_and_the_right_one_then_fails(rep):
    # Given an attacker's browser at one address
    client = Client(REMOTE_ADDR="203.0.113.9")
    # When it tries 25 wrong passwords
    codes = [_sign_in(client, rep.username, f"guess-{n}").status_code for n in range(25)]
    # Then the first four get the form again and from the fifth on the lockout page
    assert codes[:4] == [200] * 4
    assert set(codes[4:]) == {429}
    # and the right password does not sign in during the cool-off
    r = _sign_in(client, rep.username, "pass12345")
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session
    assert int(r["Retry-After"]) == 15 * 60
    page = r.content.decode()
    assert 'id="locked-out"' in page and "Too many failed sign-ins" in page
    assert client.get("/").status_code == 302


def test_lockout_is_per_username_and_address(rep, other_rep):
    # Given a username locked out from one address
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        _sign_in(attacker, rep.username, f"guess-{n}")
    assert _sign_in(attacker, rep.username, "pass12345").status_code == 429
    # When the same person signs in from the office, and another user from the attacker's address
    office = Client(REMOTE_ADDR="198.51.100.4")
    r = _sign_in(office, rep.username, "pass12345")
    colleague = _sign_in(Client(REMOTE_ADDR="203.0.113.9"), other_rep.username, "pass12345")
    # Then both sign in
    assert r.status_code == 302 and colleague.status_code == 302


def test_lockout_ends_after_the_cool_off(rep):
    # Given a locked-out username
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        _sign_in(client, rep.username, f"guess-{n}")
    assert _sign_in(client, rep.username, "pass12345").status_code == 429
    # When the cool-off has passed (the attempt is older than 15 minutes)
    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - timedelta(minutes=16))
    # Then the right password signs in and the failures are reset
    assert _sign_in(client, rep.username, "pass12345").status_code == 302
    assert not AccessAttempt.objects.exists()


def test_a_success_resets_the_failure_count(rep):
    # Given four failures
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(4):
        _sign_in(client, rep.username, f"guess-{n}")
    # When the user then signs in and out
    assert _sign_in(client, rep.username, "pass12345").status_code == 302
    client.post("/accounts/logout/")
    # Then four more failures still do not lock the account
    codes = [_sign_in(client, rep.username, f"again-{n}").status_code for n in range(4)]
    assert codes == [200] * 4
    assert _sign_in(client, rep.username, "pass12345").status_code == 302


def test_force_login_and_login_with_a_request_still_work(rep):
    # Given the axes backend in front of the model backend (it needs the request)
    by_force, by_login = Client(), Client()
    # When tests sign in without the form
    by_force.force_login(rep)
    signed_in = by_login.login(request=HttpRequest(), username=rep.username, password="pass12345")
    # Then both sessions belong to the user
    assert signed_in
    assert by_force.session["_auth_user_id"] == by_login.session["_auth_user_id"] == str(rep.pk)


def test_the_admin_sign_in_is_locked_out_too(db):
    # Given a staff account
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="203.0.113.9")
    # When its password is guessed on the admin's sign-in page
    for n in range(5):
        client.post("/admin/login/", {"username": staff.username, "password": f"guess-{n}"})
    r = client.post("/admin/login/", {"username": staff.username, "password": "pass12345"})
    # Then the right password is refused there as well
    assert r.status_code == 429
    assert client.get("/admin/").status_code == 302
