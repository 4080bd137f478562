"""A public form submission: spam guards, validation, the campaign from the UTM fields and
the capture through `lead_capture` (touch kind `form`), acted by the web-forms system user.

The outcome never carries lead data: a new lead and a duplicate (whose only change is a
`form` touch, recorded by the capture service) end the same way for the visitor."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from handoff.services.capture import lead_capture
from integrations.models import FormField, LeadForm
from integrations.public_forms import spam
from integrations.public_forms.matching import UTM_FIELDS, CampaignUtm, clean_utm, pick_campaign
from leads.errors import ActionNotAllowed, DuplicateLead, InvalidInput
from leads.models import Campaign, Lead, TouchKind
from leads.roles import MARKETING

logger = logging.getLogger(__name__)

CAPTURED, DROPPED, CONFIRM, INVALID, LIMITED, UNAVAILABLE = (
    "captured",
    "dropped",
    "confirm",
    "invalid",
    "limited",
    "unavailable",
)


@dataclass
class Outcome:
    """What the visitor is answered. `captured` and `dropped` look the same to them."""

    status: str
    form: forms.Form | None = None
    retry_after: int = 0
    reason: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def _max_length(name: str) -> int:
    return Lead._meta.get_field(name).max_length


class PublicLeadForm(forms.Form):
    """The visitor's form: the email, the fields the lead form shows, the consent box, the
    UTM and token hidden inputs and the honeypot."""

    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)

    def __init__(self, *args: Any, lead_form: LeadForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lead_form = lead_form
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        autocomplete = {
            "first_name": "given-name",
            "last_name": "family-name",
            "company": "organization",
            "job_title": "organization-title",
            "phone": "tel",
            "country": "country",
        }
        for name in lead_form.fields:
            label = FormField(name).label
            if name == "country":
                self.fields[name] = forms.ChoiceField(
                    label=label, required=False, choices=[("", "—"), *countries]
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=_max_length(name)
                )
            self.fields[name].widget.attrs["autocomplete"] = autocomplete[name]
        self.fields["consent"] = forms.BooleanField(
            label=lead_form.consent_text, required=lead_form.consent_required
        )
        for name in UTM_FIELDS:
            self.fields[name] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields[spam.TOKEN_FIELD] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields[spam.HONEYPOT_FIELD] = forms.CharField(
            label=gettext_lazy("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    @property
    def visible_names(self) -> list[str]:
        return ["email", *self.lead_form.fields]


def _flat(data: Any) -> dict[str, str]:
    """The last value of each key, as text (a POST may repeat keys or send anything)."""
    flat: dict[str, str] = {}
    for key in list(data.keys())[:200]:
        value = data.get(key)
        if isinstance(value, str):
            flat[str(key)] = value
    return flat


def webform_actor() -> AbstractBaseUser:
    """The system user every submission is captured as: no password (it cannot sign in), no
    email (no notices or digests), in the marketing group so the capture's role check passes.
    Public visitors reach only what this module does with it: one capture per submission."""
    User = get_user_model()
    user = User.objects.filter(username=settings.PUBLIC_FORM_ACTOR).first()
    if user is None:
        user, created = User.objects.get_or_create(
            username=settings.PUBLIC_FORM_ACTOR,
            defaults={"first_name": "Web", "last_name": "forms", "is_active": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            group, _created = Group.objects.get_or_create(name=MARKETING)
            user.groups.add(group)
    if user.has_usable_password():  # a person took the name: never act as them
        raise ActionNotAllowed("The web-forms user has a password.")
    return user


def attributed_campaign(lead_form: LeadForm, utm: dict[str, str]) -> int:
    """The campaign a submission is attributed to (`matching.pick_campaign`; one query, none
    without UTM values)."""
    present = {name: value for name, value in utm.items() if value}
    if not present:
        return lead_form.campaign_id
    q = ~Q(utm_source="", utm_medium="", utm_campaign="")
    for name in UTM_FIELDS:
        value = present.get(name)
        q &= Q(**{name: ""}) | Q(**{f"{name}__iexact": value}) if value else Q(**{name: ""})
    rows = Campaign.objects.filter(q).values_list("id", "start_date", *UTM_FIELDS)[:500]
    return pick_campaign(
        (CampaignUtm(*row) for row in rows), utm, own_campaign_id=lead_form.campaign_id
    )


def _count(lead_form: LeadForm, counter: str) -> None:
    LeadForm.objects.filter(pk=lead_form.pk).update(**{counter: F(counter) + 1})


def submit(*, lead_form: LeadForm, data: Any, address: str) -> Outcome:
    """Run one submission through the guards and the capture (see the module docstring)."""
    limited = spam.rate_limit(address=address, slug=lead_form.slug)
    if limited is not None:
        _count(lead_form, "dropped_rate_limited")
        return Outcome(LIMITED, retry_after=limited.retry_after)
    values = _flat(data)
    if values.get(spam.HONEYPOT_FIELD, "").strip():
        _count(lead_form, "dropped_honeypot")
        return Outcome(DROPPED, reason="honeypot")
    age = spam.token_age(lead_form.slug, values.get(spam.TOKEN_FIELD))
    form = PublicLeadForm(values, lead_form=lead_form)
    if age is None:
        # No token (the snippet without JavaScript) or an old one: the hosted page shows the
        # values again with a fresh token and asks the visitor to send them.
        return Outcome(CONFIRM, form=form)
    if spam.is_too_fast(age):
        _count(lead_form, "dropped_too_fast")
        return Outcome(DROPPED, reason="too_fast")
    if not form.is_valid():
        return Outcome(INVALID, form=form, errors=_errors(form))
    cleaned = form.cleaned_data
    contact = {name: cleaned.get(name) or "" for name in lead_form.fields}
    campaign_id = attributed_campaign(lead_form, clean_utm(values))
    try:
        lead_capture(
            actor=webform_actor(),
            email=cleaned["email"],
            campaign_id=campaign_id,
            touch_kind=TouchKind.FORM,
            **contact,
        )
    except DuplicateLead:
        pass  # the capture recorded the touch; the visitor is answered as for a new lead
    except InvalidInput as exc:
        for name, messages in exc.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return Outcome(INVALID, form=form, errors=_errors(form))
    except ActionNotAllowed:
        logger.error("web form %s: the web-forms user may not capture", lead_form.pk)
        return Outcome(UNAVAILABLE)
    _count(lead_form, "captured_count")
    return Outcome(CAPTURED)


def _errors(form: forms.Form) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def unavailable_message() -> str:
    return _("This form cannot take submissions right now. Please try again later.")
