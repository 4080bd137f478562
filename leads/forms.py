"""Forms of the campaign pages: a campaign and one spend entry."""

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.models import Campaign, CampaignCost


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
    class Meta:
        model = CampaignCost
        fields = ["date", "amount", "note"]
        widgets = {
            "date": DateInput(),
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }
        help_texts = {"note": _("For example: ad spend, sponsorship, agency fee.")}
