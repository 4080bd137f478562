"""Forms of the sales workspace: answer a handoff, convert a lead, move and close a deal."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handoff.models import RejectionReason
from handoff.rules import FEEDBACK_MAX_LENGTH
from leads.forms import QuickSelect
from leads.models import LossReason, Opportunity, WinReason

RATING_CHOICES = [
    ("", _("No rating")),
    ("5", _("5 - excellent")),
    ("4", _("4 - good")),
    ("3", _("3 - fair")),
    ("2", _("2 - poor")),
    ("1", _("1 - very poor")),
]

MONEY_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class _RatingField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Lead quality"),
            choices=RATING_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
            help_text=_("1 (very poor) to 5 (excellent): marketing sees it."),
            **kwargs,
        )


class AcceptForm(forms.Form):
    rating = _RatingField()
    feedback = forms.CharField(
        label=_("Feedback for marketing"),
        required=False,
        max_length=FEEDBACK_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *RejectionReason.choices],
        widget=QuickSelect,
    )
    rating = _RatingField()
    feedback = forms.CharField(
        label=_("Feedback for marketing"),
        required=False,
        max_length=FEEDBACK_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is Other."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason") == RejectionReason.OTHER and not data.get("feedback", "").strip():
            self.add_error("feedback", _("Say why in a few words when the reason is Other."))
        return data


class ConvertForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Expected amount"),
        **MONEY_FIELD,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    name = forms.CharField(
        label=_("Opportunity name"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to name it after the lead's company."),
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[(s.value, s.label) for s in Opportunity.OPEN_STAGES],
        widget=QuickSelect,
    )


class WinForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Final amount"),
        required=False,
        **MONEY_FIELD,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        help_text=_("Leave empty to keep the current amount."),
    )
    reason = forms.ChoiceField(
        label=_("Why was it won?"),
        required=False,
        choices=[("", _("No reason given")), *WinReason.choices],
        widget=QuickSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LoseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why was it lost?"),
        choices=[("", _("Choose a reason")), *LossReason.choices],
        error_messages={"required": _("Say why the deal was lost.")},
        widget=QuickSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is Other."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason") == LossReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("Say why in a few words when the reason is Other."))
        return data
