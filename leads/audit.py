"""The settings audit: every change a manager (or a rep, for their own away flag) makes in
the app is written as one `SettingChange` row, in the same transaction as the change.

Services of every app call `record_change`; the settings history page reads
`setting_changes`. Values are stored as JSON-safe snapshots (`snapshot`), secrets never.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import QuerySet

from leads.models import SettingChange


def _json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj: models.Model | None, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of `obj` as JSON-safe values (foreign keys as ids); {} for None."""
    if obj is None:
        return {}
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _json_value(getattr(obj, attname))
    return values


def record_change(
    *,
    actor: AbstractBaseUser | None,
    area: str,
    obj: models.Model,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> SettingChange | None:
    """Write one audit row; an update that changed nothing writes none (and returns None).

    Call it inside the service's transaction, after the write, with `before`/`after` from
    `snapshot` (only the fields that matter; never a secret or a password hash).
    """
    before = {key: _json_value(value) for key, value in (before or {}).items()}
    after = {key: _json_value(value) for key, value in (after or {}).items()}
    if action == SettingChange.Action.UPDATED:
        changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        if not changed:
            return None
        before = {key: before.get(key) for key in sorted(changed)}
        after = {key: after.get(key) for key in sorted(changed)}
    return SettingChange.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        area=area,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_label=(label or str(obj))[:200],
        action=action,
        before=before,
        after=after,
    )


def setting_changes(*, area: str | None = None) -> QuerySet[SettingChange]:
    """The audit rows, newest first, with the actor joined (one query per page)."""
    rows = SettingChange.objects.select_related("actor")
    if area:
        rows = rows.filter(area=area)
    return rows


def setting_areas() -> list[str]:
    """The areas that have audit rows, for the history page's filter (one query)."""
    return list(SettingChange.objects.order_by("area").values_list("area", flat=True).distinct())
