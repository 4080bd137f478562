"""The agreement form of the page: rates are typed as percentages (90 for 90%) and given to the
service as fractions; the service checks every range once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alignment.models import Agreement
from leads.forms import DateInput

PERCENT_FIELDS = ("min_sla_compliance", "min_answered_share")


def _percent_field(label: Any, help_text: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": "0.01", "max": "100", "step": "0.01"}),
    )


class AgreementForm(forms.Form):
    start = forms.DateField(label=_("First day"), widget=DateInput())
    end = forms.DateField(label=_("Last day"), widget=DateInput())
    mqls = forms.IntegerField(
        label=_("MQLs (marketing)"),
        min_value=1,
        help_text=_("How many MQLs marketing delivers over the whole period."),
        widget=forms.NumberInput(attrs={"min": "1", "step": "1"}),
    )
    max_cost_per_mql = forms.DecimalField(
        label=_("Maximum cost per MQL (marketing)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Optional: marketing spend per MQL, at most."),
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
    )
    min_sla_compliance = _percent_field(
        _("Minimum SLA compliance, % (sales)"),
        _("The share of handoffs answered within their SLA, at least (90 for 90%)."),
    )
    min_answered_share = _percent_field(
        _("Minimum handoffs answered, % (sales)"),
        _("The share of handoffs accepted or rejected, at least (90 for 90%)."),
    )
    max_avg_response_hours = forms.DecimalField(
        label=_("Maximum average response hours (sales)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        help_text=_("Optional: the average time to answer a handoff, at most."),
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
    )

    @classmethod
    def initial_from(cls, agreement: Agreement) -> dict[str, Any]:
        initial = {name: getattr(agreement, name) for name in cls.base_fields}
        for name in PERCENT_FIELDS:
            percent = initial[name] * 100
            whole = percent.to_integral_value()
            initial[name] = whole if percent == whole else percent.normalize()
        return initial

    def service_data(self) -> dict[str, Any]:
        """The cleaned values as the service takes them (percentages as fractions)."""
        data = dict(self.cleaned_data)
        for name in PERCENT_FIELDS:
            data[name] = data[name] / 100
        return data
