"""Forms of the campaign pages (a campaign, one spend entry), the one place where every
page turns a service's refusal (`leads.errors.DomainError`) into form and page messages, and
`QuickSelect` (a select drawn without templates, for pages with many or long ones)."""

import functools
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from leads import bounds
from leads.errors import (
    ActionNotAllowed,
    DomainError,
    DuplicateLead,
    InvalidInput,
    InvalidTransition,
)
from leads.models import Campaign, CampaignCost, LeadStatus, OpportunityStage

# A service names a foreign key by its id; the page's form field has the model's name.
FIELD_ALIASES = {"campaign_id": "campaign", "owner_id": "owner", "assignee_id": "assignee"}


def refusal_message(error: DomainError) -> str:
    """A refused write in the user's language (the service's own message is English)."""
    if isinstance(error, InvalidTransition):
        if error.status in OpportunityStage.values:
            return gettext("Not done: the deal is “%(stage)s” now and can no longer change.") % {
                "stage": OpportunityStage(error.status).label
            }
        status = dict(LeadStatus.choices).get(error.status, error.status)
        return gettext(
            "Not done: the lead is “%(status)s” now, and this move is not allowed from there."
        ) % {"status": status}
    if isinstance(error, ActionNotAllowed):
        return gettext("Not done: your role may not make this move on this lead.")
    if isinstance(error, DuplicateLead):
        return gettext("A lead with this email or external id already exists.")
    return error.message


def apply_error(form: Any, error: DomainError, *, unplaced_on_form: bool = True) -> str:
    """Map a service's refusal onto a page, the same way on every page.

    An `InvalidInput`'s messages go next to the form's fields they name (a service's
    `campaign_id` is the form's `campaign`). Messages for fields the form does not have, and
    any other refusal, become one page message: added above the form when
    `unplaced_on_form`, and returned either way ("" when every message found its field).
    """
    if isinstance(error, InvalidInput):
        unplaced: list[str] = []
        for field, field_errors in error.errors.items():
            target = field if field in form.fields else FIELD_ALIASES.get(field)
            if target not in form.fields:
                unplaced.extend(field_errors)
                continue
            for message in field_errors:
                form.add_error(target, message)
        message = " ".join(unplaced)
    else:
        message = refusal_message(error)
    if message and unplaced_on_form:
        form.add_error(None, message)
    return message


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "channel",
            "status",
            "start_date",
            "end_date",
            "budget",
            "utm_source",
            "utm_medium",
            "utm_campaign",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "budget": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }
        help_texts = {
            "budget": _("The planned spend; actual spend comes from the spend entries."),
            "utm_campaign": _("Used to match leads from web forms to this campaign."),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return cleaned


class CampaignCostForm(forms.ModelForm):
    """A spend entry. A date more than `AHEAD_DAYS` days ahead (the bounds refuse more than a
    year) is accepted only with the confirm box ticked: spend is usually logged after it
    happens, so a far date is more often a typo than a plan."""

    AHEAD_DAYS = 30

    confirm_ahead = forms.BooleanField(
        label=_("Yes, this spend is planned that far ahead"),
        required=False,
        help_text=_("Needed only for a date more than 30 days from today."),
    )

    class Meta:
        model = CampaignCost
        fields = ["date", "end_date", "amount", "note"]
        widgets = {
            "date": DateInput(),
            "end_date": DateInput(),
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }
        help_texts = {
            "note": _("For example: ad spend, sponsorship, agency fee."),
            "end_date": _(
                "Optional: for a cost over a period (a monthly fee), the last day it covers. "
                "The amount is spread evenly over the days."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date = data.get("date")
        # Beyond the bounds (a year ahead) the service refuses it with the bound's message.
        ahead = (
            date is not None
            and (date - timezone.localdate()).days > self.AHEAD_DAYS
            and date <= bounds.latest_cost_date()
        )
        if ahead and not data.get("confirm_ahead"):
            self.add_error(
                "confirm_ahead",
                gettext(
                    "This date is more than %(days)s days ahead. Check it, or tick the box "
                    "to confirm it."
                )
                % {"days": self.AHEAD_DAYS},
            )
        return data

    def entry(self) -> dict[str, Any]:
        """The fields the cost services take."""
        return {
            name: self.cleaned_data.get(name) for name in ("date", "end_date", "amount", "note")
        }


@functools.lru_cache(maxsize=256)
def _options_html(options: tuple[tuple[str, str, bool], ...]) -> str:
    return "".join(
        str(
            format_html(
                '<option value="{}"{}>{}</option>',
                value,
                flatatt({"selected": True} if chosen else {}),
                label,
            )
        )
        for value, label, chosen in options
    )


class QuickSelect(forms.Select):
    """Django's <select> markup built in Python rather than one template include per option:
    the same HTML (name, attributes, selected option) at a fraction of the cost, for a page
    that draws fifty selects (the dashboard's reassign forms) or one with hundreds of options.
    The options' HTML is memoised: rows offering the same choices share it."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = [choice for choice in self.choices]  # noqa: C416 - list() would COUNT a queryset
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups
        chosen = set(self.format_value(value))
        options, selected = [], False
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            is_chosen = not selected and text in chosen
            selected = selected or is_chosen
            options.append((text, str(label), is_chosen))
        final = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt({k: v for k, v in final.items() if v is not False}),
            mark_safe(_options_html(tuple(options))),  # built by format_html
        )
