"""The diagnosis page's form: the dashboard's range and filter, and an optional comparison
range (default: the dashboard's comparison for the chosen period)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from metrics import dateranges
from metrics.dateranges import Period
from metrics.forms import DashboardFilterForm, range_message


class DiagnosisForm(DashboardFilterForm):
    compare_start = forms.DateField(
        label=_("Compare from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: the first day of the range to compare with."),
    )
    compare_end = forms.DateField(
        label=_("Compare to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: its last day, included."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("compare_start"), data.get("compare_end")
        if start is None and end is not None and "compare_start" not in self.errors:
            self.add_error("compare_start", _("Enter the first day of the comparison range."))
        elif end is None and start is not None and "compare_end" not in self.errors:
            self.add_error("compare_end", _("Enter the last day of the comparison range."))
        elif start is not None and end is not None:
            problem = dateranges.range_problem(start, end)
            if problem is not None:
                field, code = problem
                self.add_error(f"compare_{field}", range_message(code))
        return data

    def comparison(self) -> Period:
        """The chosen comparison range, else the dashboard's for the period (call after
        is_valid())."""
        start, end = self.cleaned_data.get("compare_start"), self.cleaned_data.get("compare_end")
        if start is not None and end is not None:
            return Period(start, end)
        return self.previous()
