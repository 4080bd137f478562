"""Forms of the settings pages (users, availability, SLA policies, business hours, routing
rules and the routing preview). They only shape input: the services validate and refuse."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handoff.forms import RepChoiceField, _country_choices, sales_reps
from handoff.models import BusinessHours, ScoreKind
from leads.models import Channel
from leads.roles import MANAGER, MARKETING, SALES, user_label

ROLE_CHOICES = [(MARKETING, _("Marketing")), (SALES, _("Sales")), (MANAGER, _("Manager"))]


def _channel_choices() -> list[tuple[str, Any]]:
    return [("", "---------"), *Channel.choices]


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=SALES)
    invite = forms.BooleanField(
        label=_("Invite by email to choose a password"), required=False, initial=True
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to send an invitation instead."),
    )


class UserEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class AvailabilityForm(forms.Form):
    away = forms.BooleanField(label=_("Away (skipped by the rotation)"), required=False)
    max_open_leads = forms.IntegerField(
        label=_("Cap of open leads"),
        required=False,
        min_value=0,
        max_value=10_000,
        help_text=_("Skipped by the rotation while holding this many; empty: no cap."),
    )


class AwayForm(forms.Form):
    away = forms.BooleanField(label=_("I am away: send new leads to others"), required=False)


class DeactivateForm(forms.Form):
    successor = RepChoiceField(
        label=_("Hand their pending leads to"),
        queryset=sales_reps(),
        required=False,
        empty_label=_("The next rep of the rotation"),
    )

    def __init__(self, *args: Any, exclude_pk: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = sales_reps().exclude(pk=exclude_pk)


class SLAPolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    score_kind = forms.ChoiceField(
        label=_("Score read"),
        choices=ScoreKind.choices,
        initial=ScoreKind.MANUAL,
        required=False,
        help_text=_("The band applies to the manual score or to the predicted score."),
    )
    min_score = forms.IntegerField(label=_("Minimum score"), min_value=0, max_value=100, initial=0)
    max_score = forms.IntegerField(
        label=_("Maximum score"), min_value=0, max_value=100, initial=100
    )
    response_hours = forms.IntegerField(label=_("Response hours"), min_value=1, initial=24)
    business_hours = forms.BooleanField(label=_("Count business hours only"), required=False)
    remind_at_percent = forms.IntegerField(
        label=_("Remind at % of the response time"), min_value=1, max_value=99, initial=75
    )
    auto_reassign = forms.BooleanField(label=_("Reassign on breach"), required=False)
    max_auto_reassignments = forms.IntegerField(
        label=_("Automatic reassignments before escalating"),
        min_value=0,
        max_value=100,
        initial=1,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class BusinessHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=BusinessHours.Weekday.choices, coerce=int
    )
    opens = forms.TimeField(label=_("Opens"), widget=TimeInput())
    closes = forms.TimeField(label=_("Closes"), widget=TimeInput())


class RepsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_channel_choices, required=False)
    min_score = forms.IntegerField(
        label=_("Minimum score"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: any score."),
    )
    score_kind = forms.ChoiceField(
        label=_("Score read"), choices=ScoreKind.choices, initial=ScoreKind.MANUAL, required=False
    )
    reps = RepsField(label=_("Reps, in rotation"), queryset=sales_reps())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class RoutingPreviewForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices, required=False)
    channel = forms.ChoiceField(
        label=_("Campaign channel"), choices=_channel_choices, required=False
    )
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100, required=False)
