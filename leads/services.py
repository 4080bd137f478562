"""Writes for campaigns and cost entries. Lead writes belong to handoff/services.py."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from leads import bounds
from leads.audit import record_change, snapshot
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Campaign, CampaignCost, SalesCost, SettingChange
from leads.roles import MANAGER, MARKETING, has_role
from leads.signals import cost_changed
from leads.spread import period_days

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


COST_FIELDS = ("date", "end_date", "amount", "note")
COST_AUDIT_AREA = "spend"


def _require(actor: AbstractBaseUser, *roles: str) -> None:
    if not has_role(actor, *roles):
        raise ActionNotAllowed(_("Your role may not change this entry."))


def _cost_days(cost: CampaignCost | SalesCost) -> set[dt.date]:
    """Every day an entry's amount reaches (all of its period): the rollup cells to redo."""
    return set(period_days(cost.date, cost.end_date))


def _apply_cost_fields(cost: CampaignCost | SalesCost, fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields).difference(COST_FIELDS))
    if unknown:
        raise InvalidInput({name: ["Unknown field."] for name in unknown}, message="Invalid input.")
    for name, value in fields.items():
        setattr(cost, name, value)
    bounds.check_cost(date=cost.date, amount=cost.amount, end_date=cost.end_date)
    _full_clean_save(cost)


@transaction.atomic
def campaign_cost_add(
    *,
    campaign_id: int,
    actor: AbstractBaseUser,
    date: dt.date,
    amount: Decimal,
    note: str = "",
    end_date: dt.date | None = None,
) -> CampaignCost:
    bounds.check_cost(date=date, amount=amount, end_date=end_date)
    cost = CampaignCost(
        campaign_id=campaign_id,
        date=date,
        end_date=end_date,
        amount=amount,
        note=note,
        created_by=actor,
    )
    _full_clean_save(cost)
    cost_changed.send(
        sender=CampaignCost, kind="campaign", dates=_cost_days(cost), campaign_id=campaign_id
    )
    return cost


@transaction.atomic
def campaign_cost_update(*, cost_id: int, actor: AbstractBaseUser, **fields: Any) -> CampaignCost:
    """Change an entry's date, end date, amount or note (marketing, manager); audited, and
    every day of the old and the new period is refreshed."""
    _require(actor, MARKETING, MANAGER)
    cost = CampaignCost.objects.select_for_update().get(pk=cost_id)
    old_days, before = _cost_days(cost), snapshot(cost, COST_FIELDS)
    _apply_cost_fields(cost, fields)
    record_change(
        actor=actor,
        area=COST_AUDIT_AREA,
        obj=cost,
        action=SettingChange.Action.UPDATED,
        before=before,
        after=snapshot(cost, COST_FIELDS),
    )
    cost_changed.send(
        sender=CampaignCost,
        kind="campaign",
        dates=old_days | _cost_days(cost),
        campaign_id=cost.campaign_id,
    )
    return cost


@transaction.atomic
def campaign_cost_delete(*, cost_id: int, actor: AbstractBaseUser) -> None:
    _require(actor, MARKETING, MANAGER)
    cost = CampaignCost.objects.select_for_update().get(pk=cost_id)
    days, campaign_id = _cost_days(cost), cost.campaign_id
    record_change(
        actor=actor,
        area=COST_AUDIT_AREA,
        obj=cost,
        action=SettingChange.Action.DELETED,
        before=snapshot(cost, ("campaign", *COST_FIELDS)),
    )
    cost.delete()
    cost_changed.send(sender=CampaignCost, kind="campaign", dates=days, campaign_id=campaign_id)


@transaction.atomic
def sales_cost_add(
    *,
    actor: AbstractBaseUser,
    date: dt.date,
    amount: Decimal,
    note: str = "",
    end_date: dt.date | None = None,
) -> SalesCost:
    bounds.check_cost(date=date, amount=amount, end_date=end_date)
    cost = SalesCost(date=date, end_date=end_date, amount=amount, note=note, created_by=actor)
    _full_clean_save(cost)
    cost_changed.send(sender=SalesCost, kind="sales", dates=_cost_days(cost), campaign_id=None)
    return cost


@transaction.atomic
def sales_cost_update(*, cost_id: int, actor: AbstractBaseUser, **fields: Any) -> SalesCost:
    """Change a sales cost entry (managers); audited, old and new period refreshed."""
    _require(actor, MANAGER)
    cost = SalesCost.objects.select_for_update().get(pk=cost_id)
    old_days, before = _cost_days(cost), snapshot(cost, COST_FIELDS)
    _apply_cost_fields(cost, fields)
    record_change(
        actor=actor,
        area=COST_AUDIT_AREA,
        obj=cost,
        action=SettingChange.Action.UPDATED,
        before=before,
        after=snapshot(cost, COST_FIELDS),
    )
    cost_changed.send(
        sender=SalesCost, kind="sales", dates=old_days | _cost_days(cost), campaign_id=None
    )
    return cost


@transaction.atomic
def sales_cost_delete(*, cost_id: int, actor: AbstractBaseUser) -> None:
    _require(actor, MANAGER)
    cost = SalesCost.objects.select_for_update().get(pk=cost_id)
    days = _cost_days(cost)
    record_change(
        actor=actor,
        area=COST_AUDIT_AREA,
        obj=cost,
        action=SettingChange.Action.DELETED,
        before=snapshot(cost, COST_FIELDS),
    )
    cost.delete()
    cost_changed.send(sender=SalesCost, kind="sales", dates=days, campaign_id=None)
