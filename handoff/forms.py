"""Forms of the marketing lead pages: capture, the workflow moves, bulk moves."""

from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from handoff import selectors
from handoff.rules import rep_availability_label
from leads.models import Campaign
from leads.roles import user_label


def sales_reps() -> QuerySet:
    return selectors.sales_reps()


def sales_reps_with_load() -> QuerySet:
    return selectors.sales_reps_with_load()


class RepChoiceField(forms.ModelChoiceField):
    """A rep picker that says who is away or at their cap (`Luis (away)`); the choice is
    still allowed, the label only warns."""

    def label_from_instance(self, obj: Any) -> str:
        try:
            availability = obj.availability if hasattr(obj, "open_leads") else None
        except ObjectDoesNotExist:  # a rep who never set availability
            availability = None
        if availability is None:
            return user_label(obj)
        return rep_availability_label(
            user_label(obj),
            away=availability.away,
            open_leads=obj.open_leads,
            cap=availability.max_open_leads,
        )


def _country_choices() -> list[tuple[str, str]]:
    return [("", "---------"), *((code, name) for code, name in countries)]


class LeadForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices, required=False)
    campaign = forms.ModelChoiceField(
        label=_("Source campaign"),
        queryset=Campaign.objects.order_by("name"),
        required=False,
        help_text=_("Where the lead came from; leave empty if you do not know."),
    )
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100, initial=0)

    def capture_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        campaign = data.pop("campaign")
        data["campaign_id"] = campaign.pk if campaign else None
        return data


class TouchForm(forms.Form):
    """Add a touch from the lead page (kind `manual`); `at` only for the backfill permission."""

    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("name"),
        help_text=_("A campaign the lead met: a webinar, an event, an email."),
    )
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )

    def __init__(self, *args: Any, can_backfill: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_backfill:
            del self.fields["at"]


class QualifyForm(forms.Form):
    score = forms.IntegerField(
        label=_("Score"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Optional: 0 to 100; leave empty to keep the current score."),
    )


class HandoffForm(forms.Form):
    assignee = RepChoiceField(
        label=_("Sales rep"),
        queryset=sales_reps(),
        required=False,
        empty_label=_("Next rep in the rotation"),
        help_text=_("Leave on the rotation unless the lead must go to one rep."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = sales_reps_with_load()


class DisqualifyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkActionForm(forms.Form):
    """One move applied to the checked leads of the list."""

    QUALIFY = "qualify"
    HANDOFF = "handoff"
    NURTURE = "nurture"
    DISQUALIFY = "disqualify"
    ACTIONS = [
        (QUALIFY, _("Qualify (MQL)")),
        (HANDOFF, _("Hand off to sales")),
        (NURTURE, _("Move to nurture")),
        (DISQUALIFY, _("Disqualify")),
    ]
    MAX_LEADS = 200

    action = forms.ChoiceField(label=_("Action"), choices=[("", "---------"), *ACTIONS])
    leads = forms.TypedMultipleChoiceField(
        label=_("Leads"),
        coerce=int,
        choices=(),
        error_messages={"required": _("Tick at least one lead.")},
    )
    assignee = RepChoiceField(
        label=_("Sales rep"),
        queryset=sales_reps(),
        required=False,
        empty_label=_("Next rep in the rotation"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = sales_reps_with_load()
        ids = self.data.getlist("leads") if hasattr(self.data, "getlist") else []
        self.fields["leads"].choices = [(value, value) for value in ids if str(value).isdigit()]

    def clean_leads(self) -> list[int]:
        leads = self.cleaned_data["leads"]
        if len(leads) > self.MAX_LEADS:
            raise forms.ValidationError(
                _("At most %(max)d leads at once.") % {"max": self.MAX_LEADS}
            )
        return list(dict.fromkeys(leads))
