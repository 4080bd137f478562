"""The period form of the campaign pages: a preset, or a custom start..end."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from metrics import dateranges
from metrics.dateranges import Period
from metrics.forms import range_message

CAMPAIGN_LIFETIME = "lifetime"


RANGE_MESSAGES = {
    dateranges.END_BEFORE_START: _("The last day cannot be before the first day."),
    dateranges.TOO_LONG: _("The range can be at most ten years."),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class CampaignPeriodForm(forms.Form):
    """A GET form; bad or missing input falls back to the default preset (never an error page)."""

    preset = forms.ChoiceField(label=_("Period"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(
        self, *args: object, default: str, lifetime_start: dt.date | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default = default
        self.lifetime_start = lifetime_start
        choices = list(dateranges.PRESET_CHOICES)
        if lifetime_start is not None:
            choices.insert(0, (CAMPAIGN_LIFETIME, _("Since the campaign started")))
        self.fields["preset"].choices = choices
        self.fields["preset"].initial = default
        self.fields["preset"].widget.attrs["data-custom-fields"] = "field-start field-end"

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("preset") == dateranges.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start:
                self.add_error("start", _("Give the first day of the range."))
            if not end:
                self.add_error("end", _("Give the last day of the range."))
            problem = dateranges.range_problem(start, end) if start and end else None
            if problem is not None:
                field, code = problem
                self.add_error(field, RANGE_MESSAGES.get(code) or range_message(code))
        return cleaned

    def period(self) -> Period:
        today = timezone.localdate()
        preset = self.chosen_preset()
        if preset == dateranges.CUSTOM:
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        if preset == CAMPAIGN_LIFETIME and self.lifetime_start is not None:
            return Period(min(self.lifetime_start, today), today)
        return dateranges.preset_period(preset, today)

    def chosen_preset(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("preset"):
            return self.cleaned_data["preset"]
        return self.default
