"""The HTML snippet a marketer pastes into a website: a plain <form> posting to the hosted
endpoint (it works without JavaScript), our stylesheet (hides the honeypot) and our small
script (fills the UTM inputs from the page's URL and fetches the fill-time token)."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_countries import countries

from integrations.models import FormField, LeadForm
from integrations.public_forms import spam
from integrations.public_forms.matching import UTM_FIELDS

INPUT_TYPES = {"phone": "tel"}
AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "company": "organization",
    "job_title": "organization-title",
    "phone": "tel",
}


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def hosted_url(form: LeadForm, base_url: str) -> str:
    return absolute(base_url, reverse("integrations:public_form", kwargs={"slug": form.slug}))


def snippet(form: LeadForm, base_url: str) -> str:
    """The embed code of `form`, every value escaped."""
    prefix = f"wf-{form.slug}"
    action = escape(hosted_url(form, base_url))
    token_url = escape(
        absolute(base_url, reverse("integrations:public_form_token", kwargs={"slug": form.slug}))
    )
    lines = [
        f'<link rel="stylesheet" href="{escape(absolute(base_url, static("css/webform.css")))}">',
        f'<form class="wf-form" method="post" action="{action}" data-webform-token="{token_url}">',
        f'  <p class="wf-field"><label for="{prefix}-email">{escape(_("Email"))}</label>'
        f'<input id="{prefix}-email" type="email" name="email" maxlength="254" required'
        ' autocomplete="email"></p>',
    ]
    for name in form.fields:
        label = escape(FormField(name).label)
        if name == "country":
            options = "".join(
                f'<option value="{code}">{escape(title)}</option>' for code, title in countries
            )
            lines.append(
                f'  <p class="wf-field"><label for="{prefix}-country">{label}</label>'
                f'<select id="{prefix}-country" name="country" autocomplete="country">'
                f'<option value="">—</option>{options}</select></p>'
            )
            continue
        kind = INPUT_TYPES.get(name, "text")
        lines.append(
            f'  <p class="wf-field"><label for="{prefix}-{name}">{label}</label>'
            f'<input id="{prefix}-{name}" type="{kind}" name="{name}"'
            f' autocomplete="{AUTOCOMPLETE[name]}"></p>'
        )
    required = " required" if form.consent_required else ""
    lines += [
        f'  <p class="wf-consent"><input id="{prefix}-consent" type="checkbox" name="consent"'
        f'{required}> <label for="{prefix}-consent">{escape(form.consent_text)}</label></p>',
        f'  <div class="wf-hp" aria-hidden="true"><label for="{prefix}-hp">'
        f"{escape(_('Leave this field empty'))}</label>"
        f'<input id="{prefix}-hp" type="text" name="{spam.HONEYPOT_FIELD}" tabindex="-1"'
        ' autocomplete="off"></div>',
        *(f'  <input type="hidden" name="{name}">' for name in UTM_FIELDS),
        f'  <input type="hidden" name="{spam.TOKEN_FIELD}">',
        f'  <button type="submit">{escape(_("Send"))}</button>',
        "</form>",
        f'<script src="{escape(absolute(base_url, static("js/webform.js")))}" defer></script>',
    ]
    return "\n".join(lines)
