"""The dashboard's date range and filter form."""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.forms import QuickSelect
from leads.models import Campaign, Channel
from leads.selectors import campaign_list
from metrics import dateranges
from metrics.dateranges import Period


class DashboardFilterForm(forms.Form):
    """A GET form: a preset or a custom range, and at most one filter (kpis.md allows one)."""

    preset = forms.ChoiceField(
        label=_("Period"),
        choices=dateranges.PRESET_CHOICES,
        required=False,
        initial=dateranges.DEFAULT_PRESET,
        # static/js/app.js shows From / To only while "custom" is chosen.
        widget=QuickSelect(attrs={"data-custom-fields": "field-start field-end"}),
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For a custom range: the first day, included."),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For a custom range: the last day, included."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("All campaigns"),
        widget=QuickSelect,
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), *Channel.choices],
        required=False,
        widget=QuickSelect,
    )
    owner = forms.TypedChoiceField(
        label=_("Rep"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=(),
        widget=QuickSelect,
    )

    def __init__(
        self,
        *args: Any,
        today: dt.date | None = None,
        reps: Callable[[], Sequence[tuple[int, str]]] = list,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["campaign"].queryset = campaign_list()
        # Read once, and only when the field is rendered or a rep is chosen (the reassign
        # forms of the overdue table share the same list).
        self.reps = _Once(reps)
        self.fields["owner"].choices = lambda: [("", _("All reps")), *self.reps()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        preset = data.get("preset") or dateranges.DEFAULT_PRESET
        data["preset"] = preset
        if preset == dateranges.CUSTOM:
            start, end = data.get("start"), data.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Enter the first day of the custom range."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Enter the last day of the custom range."))
            start, end = data.get("start"), data.get("end")
            problem = dateranges.range_problem(start, end) if start and end else None
            if problem is not None:
                field, code = problem
                self.add_error(field, range_message(code))
        chosen = [name for name in ("campaign", "channel", "owner") if data.get(name)]
        if len(chosen) > 1:
            self.add_error(
                chosen[-1], _("Filter by a campaign, a channel or a rep: one at a time.")
            )
        return data

    def period(self) -> Period:
        """The chosen range (call after is_valid())."""
        preset = self.cleaned_data["preset"]
        if preset == dateranges.CUSTOM:
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return dateranges.preset_period(preset, self.today)

    def previous(self) -> Period:
        return dateranges.previous_period(self.period(), self.cleaned_data["preset"])

    def filters(self) -> dict[str, Any]:
        """The keyword filters for the KPI selectors (campaign id or channel code, or none)."""
        campaign = self.cleaned_data.get("campaign")
        if campaign is not None:
            return {"campaign": campaign.pk}
        channel = self.cleaned_data.get("channel")
        if channel:
            return {"channel": channel}
        owner = self.cleaned_data.get("owner")
        if owner is not None:
            return {"owner": owner}
        return {}


class _Once:
    """A list read on first use, then kept."""

    def __init__(self, read: Callable[[], Sequence[tuple[int, str]]]) -> None:
        self.read, self.value = read, None

    def __call__(self) -> list[tuple[int, str]]:
        if self.value is None:
            self.value = list(self.read())
        return self.value


def range_message(code: str) -> str:
    if code == dateranges.OUT_OF_BOUNDS:
        return _("Choose a day between %(first)s and %(last)s.") % {
            "first": dateranges.EARLIEST.year,
            "last": dateranges.LATEST.year,
        }
    if code == dateranges.END_BEFORE_START:
        return _("The last day must be on or after the first day.")
    return _("Choose a range of ten years or less.")


class ReassignForm(forms.Form):
    """Reassign an overdue handoff; the rep choices are read once per page, not per row."""

    assignee = forms.TypedChoiceField(
        label=_("New rep"), coerce=int, empty_value=None, widget=QuickSelect
    )

    def __init__(self, *args: Any, reps: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Choose a rep")), *reps]
