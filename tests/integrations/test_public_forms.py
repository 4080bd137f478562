"""Public web forms: every outcome of a submission, the hosted page, and that a form can
neither read nor change another lead."""

import json
import time

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import LeadForm
from integrations.public_forms import services, spam
from integrations.public_forms.submissions import webform_actor
from leads.models import Lead, Touch, TouchKind
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

# A new lead through a form: limits (none: cache), the form's counter, the UTM match (one
# query), the web-forms user and its roles, and lead_capture's own queries (its dedupe,
# insert, event, touch and signal listeners).
POST_QUERIES = 15


@pytest.fixture
def campaign():
    return CampaignFactory(name="Website", utm_source="", utm_medium="", utm_campaign="")


@pytest.fixture
def lead_form(marketer, campaign) -> LeadForm:
    return services.form_create(
        actor=marketer,
        campaign_id=campaign.pk,
        title="Get the guide",
        fields=["first_name", "company", "country"],
        consent_text="Send me the guide and related news.",
        thank_you_message="Thanks! The guide is on its way.",
    )


def _url(form: LeadForm) -> str:
    return reverse("integrations:public_form", kwargs={"slug": form.slug})


def _post(
    form: LeadForm, *, age: float = 10.0, client: Client | None = None, json_answer=False, **fields
):
    data = {
        "email": "ana@example.com",
        "first_name": "Ana",
        "company": "Acme",
        "country": "ES",
        "consent": "on",
        spam.TOKEN_FIELD: spam.fill_token(form.slug, now=time.time() - age),
        **fields,
    }
    data = {key: value for key, value in data.items() if value is not None}
    headers = {"HTTP_ACCEPT": "application/json"} if json_answer else {}
    return (client or Client()).post(_url(form), data, **headers)


def test_a_submission_creates_a_lead_of_the_campaign_with_a_form_touch(lead_form, campaign):
    # When a visitor sends the form
    response = _post(lead_form)
    # Then they see the thank-you message, and the lead exists with its campaign and touch
    assert response.status_code == 200
    assert "Thanks! The guide is on its way." in response.content.decode()
    lead = Lead.objects.get(email="ana@example.com")
    assert (lead.campaign_id, lead.first_name, lead.company, str(lead.country)) == (
        campaign.pk,
        "Ana",
        "Acme",
        "ES",
    )
    touch = Touch.objects.get(lead=lead)
    assert (touch.campaign_id, touch.kind) == (campaign.pk, TouchKind.FORM)
    assert touch.created_by == webform_actor()
    lead_form.refresh_from_db()
    assert lead_form.captured_count == 1
    # and the answer sets no cookie and holds no lead data
    assert not response.cookies
    body = response.content.decode()
    assert "ana@example.com" not in body and "Acme" not in body and f"/leads/{lead.pk}" not in body


def test_the_answer_is_json_when_asked(lead_form):
    response = _post(lead_form, json_answer=True)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "message": "Thanks! The guide is on its way.",
        "redirect_url": None,
    }


def test_a_duplicate_gets_the_same_answer_a_touch_and_no_change(lead_form, campaign):
    # Given a lead with this email from another campaign, with its own details
    other = CampaignFactory()
    existing = LeadFactory(
        email="ana@example.com", first_name="Anna", company="Old Co", campaign=other
    )
    fresh = _post(lead_form, email="new@example.com")
    # When the same email is sent through the form with other details
    response = _post(lead_form, first_name="Mallory", company="Evil Corp")
    # Then the answer is the one a new lead gets (nothing tells the email exists)
    assert response.status_code == fresh.status_code == 200
    assert response.content == fresh.content.replace(b"new@example.com", b"ana@example.com")
    json_dup = _post(lead_form, json_answer=True)
    json_new = _post(lead_form, json_answer=True, email="other@example.com")
    assert json_dup.json() == json_new.json()
    # and the existing lead's fields are unchanged, with a form touch of the form's campaign
    before = {f: getattr(existing, f) for f in ("first_name", "company", "campaign_id", "status")}
    existing.refresh_from_db()
    assert {f: getattr(existing, f) for f in before} == before
    assert list(
        Touch.objects.filter(lead=existing, kind=TouchKind.FORM).values_list(
            "campaign_id", flat=True
        )
    ) == [campaign.pk, campaign.pk]
    assert Lead.objects.filter(email="ana@example.com").count() == 1


def test_utm_fields_credit_the_campaign_they_match(lead_form):
    # Given a campaign whose UTM fields match the page's
    spring = CampaignFactory(utm_source="Google", utm_medium="cpc", utm_campaign="spring")
    CampaignFactory(utm_source="google")  # less specific
    # When the form is sent with those UTM values (any case)
    _post(lead_form, utm_source="GOOGLE", utm_medium="CPC", utm_campaign="Spring")
    # Then the lead and its touch belong to that campaign
    lead = Lead.objects.get(email="ana@example.com")
    assert lead.campaign_id == spring.pk
    assert Touch.objects.get(lead=lead).campaign_id == spring.pk


def test_utm_fields_matching_nothing_keep_the_forms_campaign(lead_form, campaign):
    CampaignFactory(utm_source="google", utm_medium="cpc")
    _post(lead_form, utm_source="google", utm_medium="email")
    assert Lead.objects.get(email="ana@example.com").campaign_id == campaign.pk


def test_a_filled_honeypot_succeeds_silently_records_nothing_and_is_counted(lead_form):
    response = _post(lead_form, **{spam.HONEYPOT_FIELD: "http://spam.example"})
    assert response.status_code == 200
    assert "Thanks! The guide is on its way." in response.content.decode()
    assert not Lead.objects.exists() and not Touch.objects.exists()
    lead_form.refresh_from_db()
    assert (lead_form.dropped_honeypot, lead_form.captured_count) == (1, 0)


def test_a_too_fast_submission_is_dropped_and_counted(lead_form):
    response = _post(lead_form, age=0.5)
    assert response.status_code == 200
    assert not Lead.objects.exists()
    lead_form.refresh_from_db()
    assert lead_form.dropped_too_fast == 1


def test_without_a_token_the_page_asks_to_confirm_then_captures(lead_form):
    # Given the embed without JavaScript (no token)
    response = _post(lead_form, **{spam.TOKEN_FIELD: None})
    # Then the hosted page shows the values again with a fresh token, nothing is captured
    assert response.status_code == 200
    body = response.content.decode()
    assert "send the form again" in body and 'value="ana@example.com"' in body
    assert not Lead.objects.exists()
    # And a forged token is treated the same way
    assert _post(lead_form, **{spam.TOKEN_FIELD: "123:forged"}).status_code == 200
    assert not Lead.objects.exists()
    # And a token of another form too
    other = LeadForm.objects.create(
        campaign=lead_form.campaign, title="x", consent_text="c", thank_you_message="t"
    )
    _post(lead_form, **{spam.TOKEN_FIELD: spam.fill_token(other.slug, now=time.time() - 60)})
    assert not Lead.objects.exists()


def test_rate_limit_per_address_answers_429_and_counts(lead_form, settings):
    settings.PUBLIC_FORM_IP_LIMIT = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(2):
        assert _post(lead_form, client=client, email=f"a{n}@example.com").status_code == 200
    # When the same address sends a third time within the window
    response = _post(lead_form, client=client, email="a3@example.com")
    # Then it is refused with a clear message and Retry-After, and counted
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not Lead.objects.filter(email="a3@example.com").exists()
    lead_form.refresh_from_db()
    assert lead_form.dropped_rate_limited == 1
    # Another address may still send
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert _post(lead_form, client=other, email="b@example.com").status_code == 200
    json_answer = _post(lead_form, client=client, json_answer=True)
    assert json_answer.status_code == 429 and json_answer.json()["code"] == "throttled"


def test_rate_limit_per_form(lead_form, settings):
    settings.PUBLIC_FORM_FORM_LIMIT = 1
    assert _post(lead_form, client=Client(REMOTE_ADDR="198.51.100.1")).status_code == 200
    response = _post(lead_form, client=Client(REMOTE_ADDR="198.51.100.2"), email="z@example.com")
    assert response.status_code == 429


def test_an_inactive_or_unknown_form_is_404(lead_form, marketer):
    services.form_set_active(actor=marketer, form_id=lead_form.pk, active=False)
    assert Client().get(_url(lead_form)).status_code == 404
    assert _post(lead_form).status_code == 404
    assert _post(lead_form, json_answer=True).json()["code"] == "not_found"
    assert Client().get("/f/not-a-form/").status_code == 404
    assert not Lead.objects.exists()


def test_an_invalid_email_is_a_400_with_its_message(lead_form):
    response = _post(lead_form, email="not-an-email")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address." in body and 'value="Acme"' in body
    json_answer = _post(lead_form, email="nope", json_answer=True)
    assert json_answer.status_code == 400 and "email" in json_answer.json()["errors"]
    assert not Lead.objects.exists()


def test_consent_must_be_ticked_when_the_form_requires_it(lead_form, marketer):
    response = _post(lead_form, consent=None)
    assert response.status_code == 400 and not Lead.objects.exists()
    services.form_update(actor=marketer, form_id=lead_form.pk, consent_required=False)
    lead_form.refresh_from_db()
    assert _post(lead_form, consent=None).status_code == 200
    assert Lead.objects.count() == 1


def test_fields_the_form_does_not_show_are_ignored(lead_form):
    _post(
        lead_form,
        last_name="Hidden",
        job_title="CEO",
        score="100",
        campaign="1",
        external_id="x-1",
        status="mql",
        owner="1",
    )
    lead = Lead.objects.get()
    assert (lead.last_name, lead.job_title, lead.score, lead.external_id, lead.status) == (
        "",
        "",
        0,
        None,
        "new",
    )


def test_a_redirect_url_answers_303_there_and_the_page_allows_it(lead_form, marketer):
    services.form_update(
        actor=marketer, form_id=lead_form.pk, redirect_url="https://www.example.com/thanks"
    )
    lead_form.refresh_from_db()
    response = _post(lead_form)
    assert response.status_code == 303
    assert response["Location"] == "https://www.example.com/thanks"
    page = Client().get(_url(lead_form))
    assert "form-action 'self' https://www.example.com" in page["Content-Security-Policy"]


def test_the_hosted_page_fills_utm_from_its_address_and_is_strict(lead_form):
    response = Client().get(_url(lead_form) + "?utm_source=Google&utm_medium=cpc&utm_campaign=x")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="utm_source" value="google"' in body and 'name="utm_campaign" value="x"' in body
    assert 'class="wf-hp"' in body and "<script" not in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not response.cookies and "csrfmiddlewaretoken" not in body
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("rows", [1, 5])
def test_the_hosted_page_runs_one_query(lead_form, django_assert_num_queries, rows):
    for n in range(rows):
        CampaignFactory(utm_source=f"s{n}")
    client = Client()
    with django_assert_num_queries(1):
        assert client.get(_url(lead_form) + "?utm_source=s1").status_code == 200


def test_the_token_endpoint_answers_cors_json(lead_form, marketer):
    url = reverse("integrations:public_form_token", kwargs={"slug": lead_form.slug})
    response = Client().get(url, HTTP_ORIGIN="https://site.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert spam.token_age(lead_form.slug, response.json()["token"]) is not None
    services.form_update(
        actor=marketer, form_id=lead_form.pk, allowed_origins=["https://site.example"]
    )
    assert (
        Client().get(url, HTTP_ORIGIN="https://site.example")["Access-Control-Allow-Origin"]
        == "https://site.example"
    )
    assert "Access-Control-Allow-Origin" not in Client().get(url, HTTP_ORIGIN="https://x.example")


def test_allowed_origins_refuse_posts_from_other_sites(lead_form, marketer):
    services.form_update(
        actor=marketer, form_id=lead_form.pk, allowed_origins=["https://site.example"]
    )
    lead_form.refresh_from_db()
    client = Client()
    refused = client.post(
        _url(lead_form), {"email": "a@example.com"}, HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403
    ok = _post(lead_form, client=Client(HTTP_ORIGIN="https://site.example"))
    assert ok.status_code == 200 and Lead.objects.count() == 1


def test_a_signed_in_user_submitting_acts_as_nobody_but_the_form(lead_form, manager):
    # Given a manager signed in in the same browser
    client = Client()
    client.force_login(manager)
    # When they send the public form
    _post(lead_form, client=client)
    # Then the capture is the web-forms user's, not theirs
    touch = Touch.objects.get()
    assert touch.created_by.username == "web-forms"


def test_the_web_forms_user_cannot_sign_in_and_gets_no_email():
    user = webform_actor()
    assert not user.has_usable_password() and user.email == ""
    client = Client()
    response = client.post("/accounts/login/", {"username": "web-forms", "password": "x"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_lead_cannot_be_read_or_changed_through_a_form(lead_form):
    # Given another lead
    victim = LeadFactory(
        email="victim@example.com", first_name="Vic", phone="+34 600 000 000", score=77
    )
    before = Lead.objects.filter(pk=victim.pk).values().get()
    # When someone posts its email with other values, ids and unknown fields, as HTML and JSON
    answers = [
        _post(
            lead_form,
            email="victim@example.com",
            first_name="Changed",
            company="X",
            external_id=str(victim.pk),
            id=str(victim.pk),
            lead=str(victim.pk),
        ),
        _post(lead_form, email="VICTIM@example.com ", json_answer=True),
        Client().get(_url(lead_form) + f"?email=victim@example.com&lead={victim.pk}"),
    ]
    # Then nothing of the lead changed and no answer mentions it
    assert Lead.objects.filter(pk=victim.pk).values().get() == before
    for answer in answers:
        text = answer.content.decode()
        assert "Vic" not in text and "600 000" not in text and "77" not in text
    assert set(json.loads(answers[1].content)) == {"ok", "message", "redirect_url"}


def test_a_signed_in_visitor_gets_the_page_without_a_session_read(
    lead_form, manager, django_assert_num_queries
):
    client = Client()
    client.force_login(manager)
    with django_assert_num_queries(1):  # the form; no session, no user
        response = client.get(_url(lead_form))
    assert response.status_code == 200 and manager.username not in response.content.decode()


def test_correcting_a_typo_right_away_is_not_too_fast(lead_form):
    # Given a submission with a bad email, answered with the form and its messages
    token = spam.fill_token(lead_form.slug, now=time.time() - 10)
    first = _post(lead_form, email="ana@example", **{spam.TOKEN_FIELD: token})
    assert first.status_code == 400 and token in first.content.decode()
    # When the visitor fixes it and sends at once, with the token the page kept
    second = _post(lead_form, **{spam.TOKEN_FIELD: token})
    # Then the lead is captured
    assert second.status_code == 200 and Lead.objects.filter(email="ana@example.com").exists()


@pytest.mark.parametrize("campaigns", [1, 8])
def test_a_submission_runs_a_fixed_number_of_queries(
    lead_form, django_assert_num_queries, campaigns
):
    # Given campaigns with UTM fields (the match is one query whatever their number)
    for n in range(campaigns):
        CampaignFactory(utm_source="google", utm_medium=f"m{n}")
    webform_actor()
    # When a new lead is sent with UTM values
    with django_assert_num_queries(POST_QUERIES):
        _post(lead_form, utm_source="google", utm_medium="m0")
    # Then it is captured with the matched campaign
    assert Lead.objects.get().campaign.utm_medium == "m0"
