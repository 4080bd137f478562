"""Filtersets of the handoff and opportunity lists (the lead list uses handoff.filters)."""

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from handoff.filters import LeadFilter
from handoff.models import Handoff, HandoffOutcome
from leads.models import Channel, Opportunity, OpportunityStage


class HandoffFilter(django_filters.FilterSet):
    assignee = django_filters.NumberFilter(field_name="assignee_id", min_value=1)
    lead = django_filters.NumberFilter(field_name="lead_id", min_value=1)
    outcome = django_filters.MultipleChoiceFilter(choices=HandoffOutcome.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="pending and past the SLA due time"
    )
    handed_off_after = django_filters.IsoDateTimeFilter(
        field_name="handed_off_at", lookup_expr="gte"
    )
    handed_off_before = django_filters.IsoDateTimeFilter(
        field_name="handed_off_at", lookup_expr="lte"
    )

    class Meta:
        model = Handoff
        fields = ["assignee", "lead", "outcome"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = {"outcome": HandoffOutcome.PENDING, "sla_due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class OpportunityFilter(django_filters.FilterSet):
    owner = django_filters.NumberFilter(field_name="owner_id", min_value=1)
    lead = django_filters.NumberFilter(field_name="lead_id", min_value=1)
    stage = django_filters.MultipleChoiceFilter(choices=OpportunityStage.choices)
    campaign = django_filters.NumberFilter(field_name="lead__campaign")
    channel = django_filters.ChoiceFilter(
        field_name="lead__campaign__channel", choices=Channel.choices
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    closed_after = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = ["stage", "owner", "lead"]


class ApiLeadFilter(LeadFilter):
    """The lead pages' filterset with plain id filters (no choice queries, no existence leak)."""

    campaign = django_filters.NumberFilter(field_name="campaign_id", min_value=1)
    owner = django_filters.NumberFilter(field_name="owner_id", min_value=1)
