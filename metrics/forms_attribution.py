"""The attribution page's form: the dashboard's range presets, by campaign or channel, and
which figures to show under the five models."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from metrics.forms import DashboardFilterForm

BY_CHOICES = [("campaign", _("Per campaign")), ("channel", _("Per channel"))]
SHOW_CHOICES = [
    ("all", _("All four figures")),
    ("customers", _("Customers")),
    ("revenue", _("Revenue")),
    ("paid_cac", _("Paid CAC")),
    ("romi", _("ROMI")),
]


class AttributionForm(DashboardFilterForm):
    """A GET form; the dashboard's campaign, channel and rep filters do not apply here (the
    table already splits by campaign or channel)."""

    by = forms.ChoiceField(label=_("Rows"), choices=BY_CHOICES, required=False)
    show = forms.ChoiceField(label=_("Figures"), choices=SHOW_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("campaign", "channel", "owner"):
            del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["by"] = data.get("by") or "campaign"
        data["show"] = data.get("show") or "all"
        return data
