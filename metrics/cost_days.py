"""Cost entries per day for the rollups: each entry's amount spread over its period
(leads.spread, kpis.md "Cost entries over a period"), summed per day (and campaign)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from leads.models import CampaignCost, SalesCost
from leads.spread import daily_shares


def _overlapping(queryset: QuerySet, first: dt.date, last: dt.date) -> QuerySet:
    """Entries whose period holds at least one day of first..last."""
    return queryset.annotate(period_end=Coalesce("end_date", "date")).filter(
        date__lte=last, period_end__gte=first
    )


def campaign_spend(first: dt.date, last: dt.date, refs: Q) -> dict[tuple[dt.date, int], Decimal]:
    """{(day, campaign_id): spend} of the days first..last; `refs` filters the campaigns."""
    totals: dict[tuple[dt.date, int], Decimal] = defaultdict(Decimal)
    rows = _overlapping(CampaignCost.objects.filter(refs), first, last).order_by()
    for campaign_id, date, end_date, amount in rows.values_list(
        "campaign_id", "date", "end_date", "amount"
    ):
        for day, share in daily_shares(amount, date, end_date):
            if first <= day <= last:
                totals[(day, campaign_id)] += share
    return totals


def sales_cost(first: dt.date, last: dt.date) -> dict[dt.date, Decimal]:
    """{day: sales cost} of the days first..last."""
    totals: dict[dt.date, Decimal] = defaultdict(Decimal)
    rows = _overlapping(SalesCost.objects.all(), first, last).order_by()
    for date, end_date, amount in rows.values_list("date", "end_date", "amount"):
        for day, share in daily_shares(amount, date, end_date):
            if first <= day <= last:
                totals[day] += share
    return totals
