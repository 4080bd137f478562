"""QuickSelect draws the same select as Django's template-rendered one (same options, same
selected one, same attributes), for plain choices and a model choice field, without a
COUNT query for the model's choices."""

import re

import pytest
from django import forms

from leads.forms import QuickSelect
from leads.models import Campaign
from tests.factories import CampaignFactory

CHOICES = [("", "Choose <one>"), (1, "Ann & Bob"), (2, "Cy")]


def _form(widget: type[forms.Select]) -> type[forms.Form]:
    class Form(forms.Form):
        rep = forms.TypedChoiceField(
            label="Rep", coerce=int, choices=CHOICES, help_text="Who", widget=widget
        )
        campaign = forms.ModelChoiceField(
            queryset=Campaign.objects.order_by("id"),
            required=False,
            empty_label="All",
            widget=widget,
        )

    return Form


def _shape(html: str) -> tuple[list[str], list[str]]:
    """The options in order, and the select's attributes in any order."""
    flat = re.sub(r">\s+<", "><", html.strip())
    attrs = sorted(re.search(r"<select([^>]*)>", flat).group(1).split())
    return re.findall(r"<option[^>]*>[^<]*</option>", flat), attrs


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"p-rep": "2"}, {"p-rep": ""}, {"p-rep": "x"}])
def test_quick_select_draws_what_django_draws(data, django_assert_num_queries):
    campaigns = [CampaignFactory(name=f"C{n} & co") for n in range(3)]
    if data is not None:
        data = {**data, "p-campaign": str(campaigns[1].pk)}
    django_form, quick_form = (
        _form(forms.Select)(data, prefix="p"),
        _form(QuickSelect)(data, prefix="p"),
    )
    if data is not None:
        django_form.is_valid()
        quick_form.is_valid()
    for name in ("rep", "campaign"):
        expected = str(django_form[name])
        with django_assert_num_queries(1 if name == "campaign" else 0):
            drawn = str(quick_form[name])
        assert _shape(drawn) == _shape(expected), name
