"""Forms of the integration settings pages: an API token, a webhook subscription."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from integrations.models import WebhookEvent
from integrations.tokens import NAME_MAX_LENGTH
from integrations.webhooks.subscriptions import SECRET_MAX_LENGTH, SECRET_MIN_LENGTH


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
