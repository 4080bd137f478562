"""The Content-Security-Policy header is on every page, and no template carries what it
would block: inline scripts, inline event handlers, javascript: URLs or style attributes."""

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def _policy(header: str) -> dict[str, str]:
    pairs = (part.strip().partition(" ") for part in header.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/accounts/login/"),
        ("marketer", "/campaigns/"),
        ("marketer", "/leads/"),
        ("rep", "/inbox/"),
        ("manager", "/dashboard/"),
        ("manager", "/notifications/"),
        ("marketer", "/settings/web-forms/"),
    ],
)
def test_pages_carry_the_strict_policy(who, path, request):
    # Given a visitor of the page
    client = Client()
    if who:
        client.force_login(request.getfixturevalue(who))
    # When they open it
    response = client.get(path)
    # Then the policy allows only the site's own scripts and styles, nothing inline
    assert response.status_code == 200
    policy = _policy(response["Content-Security-Policy"])
    for directive, value in POLICY.items():
        assert policy[directive] == value, directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_api_docs_loosen_only_styles_and_images():
    response = Client().get("/api/v1/docs/")
    policy = _policy(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" in policy["style-src"] and "data:" in policy["img-src"]
    assert "<script>" not in response.content.decode()


def test_the_lockout_page_and_api_answers_carry_it_too(rep):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        response = client.post("/accounts/login/", {"username": rep.username, "password": n})
    assert (
        response.status_code == 429 and "script-src 'self'" in response["Content-Security-Policy"]
    )


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "inline handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
}


def test_no_template_has_what_the_policy_blocks():
    # Given every template of the project's pages (emails are read in mail clients, where
    # no CSP applies and styles must be inline)
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        if "email" in template.relative_to(TEMPLATES).parts:
            continue
        text = template.read_text(encoding="utf-8")
        # When it is searched for inline code and styles
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(TEMPLATES)}:{line}: {what}")
    # Then there is none
    assert found == []
