"""Reads of the settings pages: the team with roles and availability, SLA policies, the
business-hours calendar, routing rules. Each is a constant number of queries."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, Q, QuerySet

from handoff.models import AssignmentRule, BusinessHours, SLAPolicy
from leads.models import Lead, LeadStatus
from leads.roles import ROLES

OPEN = (LeadStatus.HANDED_OFF, LeadStatus.ACCEPTED)


def team_members() -> QuerySet[Any]:
    """Every user, active first, with their role groups, availability and open leads."""
    return (
        get_user_model()
        .objects.select_related("availability")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES)))
        .annotate(open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN)))
        .order_by("-is_active", "username")
    )


def team_member(user_id: int) -> Any:
    return team_members().get(pk=user_id)


def accepted_leads_of(user_id: int) -> QuerySet[Lead]:
    return Lead.objects.filter(owner_id=user_id, status=LeadStatus.ACCEPTED).order_by("pk")


def sla_policies() -> QuerySet[SLAPolicy]:
    return SLAPolicy.objects.order_by("-active", "min_score", "id")


def business_hours() -> QuerySet[BusinessHours]:
    return BusinessHours.objects.order_by("weekday", "opens")


def routing_rules() -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.prefetch_related("reps").order_by("priority", "id")
