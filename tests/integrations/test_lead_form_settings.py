"""Web form settings: the services (validation, roles, audit) and the pages."""

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import LeadForm
from integrations.public_forms import services
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import SettingChange
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

BASE = {
    "title": "Guide",
    "consent_text": "Yes, email me.",
    "thank_you_message": "Thanks.",
}


def test_create_draws_an_unguessable_slug_and_audits(marketer):
    campaign = CampaignFactory()
    form = services.form_create(
        actor=marketer, campaign_id=campaign.pk, **BASE, fields=["phone", "first_name"]
    )
    other = services.form_create(actor=marketer, campaign_id=campaign.pk, **BASE)
    assert len(form.slug) >= 16 and form.slug != other.slug
    assert form.fields == ["first_name", "phone"] and form.active and form.consent_required
    change = SettingChange.objects.get(object_id=str(form.pk), area="web_forms")
    assert change.action == "created" and change.actor == marketer
    assert change.after["title"] == "Guide"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.com/x",
        "data:text/html,hi",
        "//example.com/x",
        "https://user:pw@example.com/",
        "https://exa mple.com/",
        "https://example.com;script-src/",
        "http:///nohost",
        "https://example.com:99999/",
    ],
)
def test_a_bad_redirect_url_is_refused_at_save(marketer, url):
    campaign = CampaignFactory()
    with pytest.raises(InvalidInput) as error:
        services.form_create(actor=marketer, campaign_id=campaign.pk, **BASE, redirect_url=url)
    assert "redirect_url" in error.value.errors
    assert not LeadForm.objects.exists()


def test_required_texts_fields_and_origins_are_checked(marketer):
    campaign = CampaignFactory()
    with pytest.raises(InvalidInput) as error:
        services.form_create(
            actor=marketer,
            campaign_id=campaign.pk,
            title="",
            consent_text=" ",
            thank_you_message="",
            fields=["score"],
            allowed_origins=["https://a.example/path"],
        )
    assert set(error.value.errors) == {
        "title",
        "consent_text",
        "thank_you_message",
        "fields",
        "allowed_origins",
    }
    form = services.form_create(
        actor=marketer,
        campaign_id=campaign.pk,
        **BASE,
        allowed_origins=["HTTPS://Site.Example/", "", "http://x.example:8080"],
    )
    assert form.allowed_origins == ["https://site.example", "http://x.example:8080"]


def test_only_marketing_and_managers_manage_forms(rep, manager):
    campaign = CampaignFactory()
    with pytest.raises(ActionNotAllowed):
        services.form_create(actor=rep, campaign_id=campaign.pk, **BASE)
    form = services.form_create(actor=manager, campaign_id=campaign.pk, **BASE)
    with pytest.raises(ActionNotAllowed):
        services.form_set_active(actor=rep, form_id=form.pk, active=False)


def test_update_and_deactivate_are_audited_and_keep_the_slug(marketer):
    form = services.form_create(actor=marketer, campaign_id=CampaignFactory().pk, **BASE)
    slug = form.slug
    services.form_update(actor=marketer, form_id=form.pk, title="New title")
    services.form_set_active(actor=marketer, form_id=form.pk, active=False)
    form.refresh_from_db()
    assert (form.slug, form.title, form.active) == (slug, "New title", False)
    changes = SettingChange.objects.filter(area="web_forms", action="updated").order_by("id")
    assert [c.after for c in changes] == [{"title": "New title"}, {"active": False}]


def test_pages_create_show_the_snippet_and_deactivate(marketer):
    campaign = CampaignFactory(name="Spring")
    client = Client()
    client.force_login(marketer)
    response = client.post(
        reverse("integrations:lead_form_create"),
        {
            "campaign": campaign.pk,
            "fields": ["first_name", "country"],
            "consent_required": "on",
            **BASE,
        },
    )
    form = LeadForm.objects.get()
    assert response.status_code == 302
    detail = client.get(reverse("integrations:lead_form_detail", kwargs={"form_id": form.pk}))
    body = detail.content.decode()
    # the snippet is shown as text: a plain form posting to the hosted page, our static files
    assert f"/f/{form.slug}/" in body and "&lt;form class=&quot;wf-form&quot;" in body
    assert "static/js/webform.js" in body and "static/css/webform.css" in body
    assert 'id="count-honeypot">0<' in body
    client.post(
        reverse("integrations:lead_form_active", kwargs={"form_id": form.pk}), {"active": "0"}
    )
    form.refresh_from_db()
    assert not form.active


def test_a_bad_redirect_url_on_the_page_is_a_form_error(marketer):
    campaign = CampaignFactory()
    client = Client()
    client.force_login(marketer)
    response = client.post(
        reverse("integrations:lead_form_create"),
        {"campaign": campaign.pk, "redirect_url": "javascript:alert(1)", **BASE},
    )
    assert response.status_code == 200
    assert "Give an http or https address" in response.content.decode()
    assert not LeadForm.objects.exists()


@pytest.mark.parametrize("forms", [1, 6])
def test_the_list_query_count_is_flat(marketer, django_assert_num_queries, forms):
    for _ in range(forms):
        services.form_create(actor=marketer, campaign_id=CampaignFactory().pk, **BASE)
    client = Client()
    client.force_login(marketer)
    client.get(reverse("integrations:lead_form_list"))  # warm the session
    with django_assert_num_queries(5):
        assert client.get(reverse("integrations:lead_form_list")).status_code == 200
