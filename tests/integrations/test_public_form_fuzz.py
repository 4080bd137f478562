"""No input to a public form gives a 500 (hypothesis over the POST body)."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.public_forms import services, spam
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "email",
    "first_name",
    "last_name",
    "company",
    "job_title",
    "phone",
    "country",
    "consent",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    spam.TOKEN_FIELD,
    spam.HONEYPOT_FIELD,
    "campaign",
    "id",
    "csrfmiddlewaretoken",
]
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(
        [
            "a@b.co",
            "ES",
            "on",
            "\x00",
            "ö@ä.de",
            "x" * 100_000,
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "google",
            "\ud7ff",
            "ﬀ@example.com",
        ]
    ),
)


@pytest.fixture
def lead_form(marketer, settings):
    settings.PUBLIC_FORM_IP_LIMIT = 10_000
    settings.PUBLIC_FORM_FORM_LIMIT = 10_000
    CampaignFactory(utm_source="google", utm_medium="cpc")
    return services.form_create(
        actor=marketer,
        campaign_id=CampaignFactory().pk,
        title="T",
        consent_text="C",
        thank_you_message="Thanks",
        fields=["first_name", "last_name", "company", "job_title", "phone", "country"],
    )


def _check(response) -> None:
    assert response.status_code in (200, 303, 400, 429), response.status_code


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=10),
        text | st.lists(text, max_size=3),
        max_size=12,
    ),
    with_token=st.booleans(),
    as_json=st.booleans(),
)
def test_form_encoded_bodies_never_500(lead_form, data, with_token, as_json):
    if with_token:
        data[spam.TOKEN_FIELD] = spam.fill_token(lead_form.slug, now=time.time() - 30)
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    url = reverse("integrations:public_form", kwargs={"slug": lead_form.slug})
    _check(Client().post(url, data, **headers))


@FUZZ
@given(
    body=st.binary(max_size=4000),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded; charset=latin-1",
        ]
    ),
)
def test_raw_bodies_never_500(lead_form, body, content_type):
    url = reverse("integrations:public_form", kwargs={"slug": lead_form.slug})
    _check(Client().generic("POST", url, body, content_type=content_type))


def test_a_huge_body_is_a_clean_refusal(lead_form):
    url = reverse("integrations:public_form", kwargs={"slug": lead_form.slug})
    token = spam.fill_token(lead_form.slug, now=time.time() - 30)
    response = Client().post(
        url, {"email": "a@b.co", "first_name": "x" * 3_000_000, spam.TOKEN_FIELD: token}
    )
    assert response.status_code in (400, 413)
    many = {f"k{n}": "v" for n in range(1500)}
    assert Client().post(url, many).status_code in (400, 413)
