"""The page shell: each role lands on its own workspace and sees its own navigation, sign
in and out, password reset by email, the language switcher, and number formats per locale."""

import re

import pytest
from django.core import mail
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _nav(body: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []


def test_anonymous_home_goes_to_sign_in(db):
    response = Client().get("/")

    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_marketing_lands_on_campaigns_with_the_marketing_navigation(marketer):
    client = _client(marketer)

    landing = client.get("/")
    body = client.get(landing["Location"]).content.decode()

    assert landing["Location"] == reverse("metrics:campaign_list")
    assert _nav(body) == [
        reverse("metrics:dashboard"),
        reverse("metrics:campaign_list"),
        reverse("handoff:lead_list"),
        reverse("imports:import_start"),
        reverse("alignment:plan_list"),
        reverse("alignment:agreement"),
    ]


def test_sales_lands_on_the_inbox_and_sees_no_marketing_pages(rep):
    client = _client(rep)

    landing = client.get("/")
    body = client.get(landing["Location"]).content.decode()

    assert landing["Location"] == reverse("handoff:inbox")
    assert reverse("handoff:inbox") in _nav(body)
    assert reverse("metrics:dashboard") in _nav(body)  # one set of numbers for all
    assert reverse("metrics:campaign_list") not in _nav(body)
    assert reverse("imports:import_start") not in _nav(body)
    assert reverse("handoff:lead_list") in _nav(body)  # their own leads, searchable


def test_manager_lands_on_the_dashboard_and_sees_every_workspace(manager):
    client = _client(manager)

    landing = client.get("/")
    body = client.get(landing["Location"]).content.decode()

    assert landing["Location"] == reverse("metrics:dashboard")
    assert _nav(body) == [
        reverse("metrics:dashboard"),
        reverse("metrics:campaign_list"),
        reverse("handoff:lead_list"),
        reverse("handoff:pipeline"),
        reverse("alignment:plan_list"),
        reverse("alignment:agreement"),
        reverse("settings_hub"),
    ]


def test_a_user_without_a_role_is_told_what_to_do(db):
    user = UserFactory()

    body = _client(user).get("/").content.decode()

    assert "Ask a manager to add you" in body


def test_sign_in_through_the_form_then_sign_out(marketer):
    client = Client()

    bad = client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    good = client.post(reverse("login"), {"username": marketer.username, "password": "pass12345"})
    out = client.post(reverse("logout"))

    assert bad.status_code == 200 and f'value="{marketer.username}"' in bad.content.decode()
    assert good.status_code == 302 and good["Location"] == reverse("home")
    assert out.status_code == 302 and out["Location"] == reverse("login")
    assert client.get(reverse("handoff:lead_list")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(marketer):
    client = Client()

    client.post(reverse("password_reset"), {"email": marketer.email})

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-Long-new-pass-42", "new_password2": "a-Long-new-pass-42"},
    )
    assert done.status_code == 302
    marketer.refresh_from_db()
    assert marketer.check_password("a-Long-new-pass-42")


def test_language_switcher_turns_the_pages_spanish(marketer):
    client = _client(marketer)

    client.post(reverse("set_language"), {"language": "es", "next": "/campaigns/"})
    body = client.get(reverse("metrics:campaign_list")).content.decode()

    assert '<html lang="es">' in body
    assert "Campañas" in body and "Aún no hay campañas" in body


def test_forbidden_page_for_a_signed_in_user_is_a_403_not_an_error(rep):
    assert _client(rep).get(reverse("leads:campaign_create")).status_code == 403


@pytest.mark.parametrize(
    "language,expected",
    [
        ("en", "$1,234.50 · 45.7% · 4.3 · 12,345 · —"),
        ("es", "1.234,50\xa0US$ · 45,7\xa0% · 4,3 · 12.345 · —"),
    ],
)
def test_numbers_and_money_follow_the_locale(language, expected):
    template = engines["django"].from_string(
        "{% load ui %}{{ a|money }} · {{ r|percent }} · {{ q|decimal }} · {{ n|integer }} · "
        "{{ none|money }}"
    )

    with translation.override(language):
        shown = template.render({"a": "1234.5", "r": 0.4567, "q": 4.25, "n": 12345, "none": None})

    assert shown == expected


def test_a_refused_page_explains_itself_in_the_shell(rep):
    response = _client(rep).get(reverse("metrics:campaign_list"))

    body = response.content.decode()
    assert response.status_code == 403
    assert "This page is not part of your workspace" in body
    assert 'class="site-header"' in body


def test_a_missing_lead_is_a_friendly_404(marketer):
    response = _client(marketer).get(reverse("handoff:lead_detail", args=[999999]))

    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()
