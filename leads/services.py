"""Writes for campaigns and cost entries. Lead writes belong to handoff/services.py."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from leads import bounds
from leads.errors import InvalidInput
from leads.models import Campaign, CampaignCost, SalesCost
from leads.signals import cost_changed

CAMPAIGN_FIELDS = (
    "name",
    "channel",
    "status",
    "start_date",
    "end_date",
    "budget",
    "owner",
    "utm_source",
    "utm_medium",
    "utm_campaign",
)


def _full_clean_save(obj: Any) -> None:
    """Validate on the model (a race on a unique name is caught here too), then save."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict, message="Invalid input.") from None
    obj.save()


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields).difference(CAMPAIGN_FIELDS))
    if unknown:
        raise InvalidInput({name: ["Unknown field."] for name in unknown}, message="Invalid input.")


@transaction.atomic
def campaign_create(*, actor: AbstractBaseUser, **fields: Any) -> Campaign:
    _check_fields(fields)
    fields.setdefault("owner", actor)
    campaign = Campaign(**fields)
    _full_clean_save(campaign)
    return campaign


@transaction.atomic
def campaign_update(*, campaign_id: int, actor: AbstractBaseUser, **fields: Any) -> Campaign:
    _check_fields(fields)
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    for name, value in fields.items():
        setattr(campaign, name, value)
    _full_clean_save(campaign)
    return campaign


@transaction.atomic
def campaign_cost_add(
    *,
    campaign_id: int,
    actor: AbstractBaseUser,
    date: dt.date,
    amount: Decimal,
    note: str = "",
) -> CampaignCost:
    bounds.check_cost(date=date, amount=amount)
    cost = CampaignCost(
        campaign_id=campaign_id, date=date, amount=amount, note=note, created_by=actor
    )
    _full_clean_save(cost)
    cost_changed.send(sender=CampaignCost, kind="campaign", dates={date}, campaign_id=campaign_id)
    return cost


@transaction.atomic
def campaign_cost_update(*, cost_id: int, actor: AbstractBaseUser, **fields: Any) -> CampaignCost:
    cost = CampaignCost.objects.select_for_update().get(pk=cost_id)
    old_date = cost.date
    for name in ("date", "amount", "note"):
        if name in fields:
            setattr(cost, name, fields[name])
    bounds.check_cost(date=cost.date, amount=cost.amount)
    _full_clean_save(cost)
    cost_changed.send(
        sender=CampaignCost,
        kind="campaign",
        dates={old_date, cost.date},
        campaign_id=cost.campaign_id,
    )
    return cost


@transaction.atomic
def campaign_cost_delete(*, cost_id: int, actor: AbstractBaseUser) -> None:
    cost = CampaignCost.objects.select_for_update().get(pk=cost_id)
    date, campaign_id = cost.date, cost.campaign_id
    cost.delete()
    cost_changed.send(sender=CampaignCost, kind="campaign", dates={date}, campaign_id=campaign_id)


@transaction.atomic
def sales_cost_add(
    *, actor: AbstractBaseUser, date: dt.date, amount: Decimal, note: str = ""
) -> SalesCost:
    bounds.check_cost(date=date, amount=amount)
    cost = SalesCost(date=date, amount=amount, note=note, created_by=actor)
    _full_clean_save(cost)
    cost_changed.send(sender=SalesCost, kind="sales", dates={date}, campaign_id=None)
    return cost


@transaction.atomic
def sales_cost_update(*, cost_id: int, actor: AbstractBaseUser, **fields: Any) -> SalesCost:
    cost = SalesCost.objects.select_for_update().get(pk=cost_id)
    old_date = cost.date
    for name in ("date", "amount", "note"):
        if name in fields:
            setattr(cost, name, fields[name])
    bounds.check_cost(date=cost.date, amount=cost.amount)
    _full_clean_save(cost)
    cost_changed.send(sender=SalesCost, kind="sales", dates={old_date, cost.date}, campaign_id=None)
    return cost


@transaction.atomic
def sales_cost_delete(*, cost_id: int, actor: AbstractBaseUser) -> None:
    cost = SalesCost.objects.select_for_update().get(pk=cost_id)
    date = cost.date
    cost.delete()
    cost_changed.send(sender=SalesCost, kind="sales", dates={date}, campaign_id=None)
