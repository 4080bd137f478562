"""The lead list's FilterSet, shared by the lead pages and the API (`LeadFilter`)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handoff import selectors
from handoff.models import LeadEvent
from handoff.transitions import Action
from leads.models import Campaign, Channel, Lead, LeadStatus
from leads.search import search_leads


def _reps(request: object = None) -> QuerySet:
    return selectors.sales_reps()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _campaigns(request: object = None) -> QuerySet[Campaign]:
    return Campaign.objects.order_by("name")


SORTS = [
    ("predicted", _("Predicted score, highest first")),
    ("score", _("Manual score, highest first")),
]
ORDERINGS = {
    "predicted": (F("predicted_score").desc(nulls_last=True), "-id"),
    "score": ("-score", "-id"),
}


class LeadFilter(django_filters.FilterSet):
    """`q` searches email, names and company; the rest narrow by field. `?status=a&status=b`."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(
        choices=LeadStatus.choices,
        label=_("Status"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Ctrl or Cmd + click to choose several."),
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=_campaigns, label=_("Campaign"), empty_label=_("All campaigns")
    )
    channel = django_filters.ChoiceFilter(
        field_name="campaign__channel",
        choices=Channel.choices,
        label=_("Channel"),
        empty_label=_("All channels"),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=_reps, label=_("Sales rep"), empty_label=_("All reps")
    )
    score_min = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label=_("Minimum score")
    )
    predicted_min = django_filters.NumberFilter(
        field_name="predicted_score",
        lookup_expr="gte",
        label=_("Minimum predicted score"),
        min_value=0,
        max_value=100,
    )
    sort = django_filters.ChoiceFilter(
        method="sort_by",
        choices=SORTS,
        label=_("Sort by"),
        empty_label=_("Newest first"),
    )
    created_after = django_filters.DateFilter(
        method="created_from_day",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_before = django_filters.DateFilter(
        method="created_until_day",
        label=_("Created until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # The leads one CSV import created ("See the new leads" on its report): their
    # "created" event records the import.
    import_id = django_filters.NumberFilter(
        method="from_import", label=_("Import"), widget=forms.HiddenInput
    )

    class Meta:
        model = Lead
        fields = [
            "q",
            "status",
            "campaign",
            "channel",
            "owner",
            "score_min",
            "predicted_min",
            "sort",
            "created_after",
            "created_before",
            "import_id",
        ]

    # Days are days in TIME_ZONE, compared as a range on created_at so its index serves them.
    def created_from_day(self, queryset: QuerySet[Lead], name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__gte=_day_start(value))

    def created_until_day(self, queryset: QuerySet[Lead], name: str, value: dt.date) -> QuerySet:
        if value >= dt.date.max:  # the last day of the calendar: no upper bound
            return queryset
        return queryset.filter(created_at__lt=_day_start(value + dt.timedelta(days=1)))

    def from_import(self, queryset: QuerySet[Lead], name: str, value: int) -> QuerySet[Lead]:
        created = LeadEvent.objects.filter(
            lead_id=OuterRef("pk"), action=Action.CREATED, data__import_id=int(value)
        )
        return queryset.filter(Exists(created))

    def sort_by(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset

    def search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return search_leads(queryset, value)
