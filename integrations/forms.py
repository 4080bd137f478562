"""Forms of the integration settings pages: an API token, a webhook subscription."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from integrations.models import FormField, WebhookEvent
from integrations.public_forms.services import TEXT_MAX_LENGTH
from integrations.tokens import NAME_MAX_LENGTH
from integrations.webhooks.subscriptions import SECRET_MAX_LENGTH, SECRET_MIN_LENGTH
from leads.models import Campaign


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=_("What uses it, for example “Website forms”."),
    )
    user = UserChoiceField(
        label=_("Acts as"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        help_text=_("The token has this user's role and sees what this user sees."),
    )


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        min_length=SECRET_MIN_LENGTH,
        max_length=SECRET_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to generate one; it is shown once."),
    )


class WebhookEditForm(WebhookForm):
    active = forms.BooleanField(label=_("Active (deliver events)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].help_text = _("Leave blank to keep the current secret.")


class LeadFormSettingsForm(forms.Form):
    """A web form's settings (the service checks them again and maps its refusals here)."""

    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    fields = forms.MultipleChoiceField(
        label=_("Optional fields shown"),
        choices=FormField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The email is always shown and required."),
    )
    consent_text = forms.CharField(
        label=_("Consent text"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown beside the consent box, for example what you will send and how to opt out."
        ),
    )
    consent_required = forms.BooleanField(
        label=_("The visitor must tick the consent box"), required=False, initial=True
    )
    thank_you_message = forms.CharField(
        label=_("Thank-you message"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    redirect_url = forms.CharField(
        label=_("Redirect after sending (optional)"),
        max_length=500,
        required=False,
        help_text=_("An http or https address; the thank-you page is shown when blank."),
    )
    allowed_origins = forms.CharField(
        label=_("Sites allowed to embed it (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One origin per line, like https://www.example.com; any site when blank."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.order_by("name")

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["campaign_id"] = data.pop("campaign").pk
        data["allowed_origins"] = data["allowed_origins"].splitlines()
        return data
