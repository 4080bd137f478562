"""The planner page's form: the plan's inputs, one override per rate, a few channel-mix rows."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alignment import planner
from leads.forms import DateInput
from leads.models import Channel

MIX_ROWS = 4
RATE_LABELS = {
    "lead_to_mql": _("Lead to MQL"),
    "mql_to_accepted": _("MQL to accepted"),
    "accepted_to_opportunity": _("Accepted to opportunity"),
    "win_rate": _("Win rate"),
    "avg_deal_size": _("Average deal size"),
    "cost_per_lead": _("Cost per lead"),
    "avg_lead_to_win_days": _("Days from lead to win"),
}


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Plan name"), max_length=200)
    revenue_goal = forms.DecimalField(
        label=_("Revenue goal"), max_digits=14, decimal_places=2, min_value=0.01
    )
    start = forms.DateField(label=_("Period start"), widget=DateInput())
    end = forms.DateField(label=_("Period end"), widget=DateInput())
    lookback_start = forms.DateField(label=_("Look-back start"), widget=DateInput())
    lookback_end = forms.DateField(label=_("Look-back end"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in planner.RATE_KEYS:
            self.fields[f"override_{key}"] = forms.DecimalField(
                label=_("Override: %(rate)s") % {"rate": RATE_LABELS[key]},
                required=False,
                max_digits=24,
                decimal_places=10,
                min_value=0,
                help_text=(
                    _("A fraction from 0 to 1, for example 0.25.")
                    if key in planner.FRACTION_KEYS
                    else None
                ),
            )
        for n in range(1, MIX_ROWS + 1):
            self.fields[f"mix_channel_{n}"] = forms.ChoiceField(
                label=_("Channel %(n)s") % {"n": n},
                required=False,
                choices=[("", _("(none)")), *Channel.choices],
            )
            self.fields[f"mix_share_{n}"] = forms.DecimalField(
                label=_("Share of leads %(n)s") % {"n": n},
                required=False,
                max_digits=8,
                decimal_places=6,
                min_value=0,
                help_text=_("A fraction: the shares of all rows add up to 1."),
            )

    def basic_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "revenue_goal", "start", "end")]

    def lookback_fields(self) -> list[forms.BoundField]:
        return [self["lookback_start"], self["lookback_end"]]

    def override_field(self, key: str) -> forms.BoundField:
        return self[f"override_{key}"]

    def mix_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"mix_channel_{n}"], self[f"mix_share_{n}"]) for n in range(1, MIX_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for n in range(1, MIX_ROWS + 1):
            channel, share = cleaned.get(f"mix_channel_{n}"), cleaned.get(f"mix_share_{n}")
            if channel and share is None:
                self.add_error(f"mix_share_{n}", _("Give this channel's share."))
            elif share is not None and not channel:
                self.add_error(f"mix_channel_{n}", _("Pick the channel of this share."))
        return cleaned

    def inputs(self) -> dict[str, Any]:
        """The service's arguments from the cleaned form."""
        data = self.cleaned_data
        overrides = {
            key: data[f"override_{key}"]
            for key in planner.RATE_KEYS
            if data.get(f"override_{key}") is not None
        }
        mix: dict[str, Any] = {}
        for n in range(1, MIX_ROWS + 1):
            if data.get(f"mix_channel_{n}"):
                channel = data[f"mix_channel_{n}"]
                mix[channel] = mix.get(channel, 0) + data[f"mix_share_{n}"]
        return {
            "name": data["name"],
            "revenue_goal": data["revenue_goal"],
            "start": data["start"],
            "end": data["end"],
            "lookback_start": data["lookback_start"],
            "lookback_end": data["lookback_end"],
            "overrides": overrides,
            "channel_mix": mix,
        }
