"""The registry of rollup builders: what the dirty-cell refresh and the full recompute rebuild.

A builder is a name and a function `rebuild(scope)` that deletes and rewrites its own rows
of a `Scope` (a window of days, or only some dirty (day, ref) cells) inside the caller's
transaction. The refresh and the recompute (single process or fanned out by month) call
every registered builder in order, so a new rollup that is "refreshed incrementally like
the KPIs" registers one builder here and gets the outbox, the failure isolation and the
fan-out for free (see docs/architecture.md, "A new rollup").

Each KPI builder has two paths: set-based SQL on PostgreSQL (`metrics.rollup_sql`), the
ORM elsewhere and whenever `scope.portable` asks for it (`metrics.rollup_python`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from metrics import rollup_python, rollup_sql
from metrics.rollup_scope import CAMPAIGN, OWNER, Scope


@dataclass(frozen=True)
class RollupBuilder:
    name: str
    rebuild: Callable[[Scope], None]


_BUILDERS: dict[str, RollupBuilder] = {}


def register(name: str) -> Callable[[Callable[[Scope], None]], Callable[[Scope], None]]:
    """Decorator: `@rollups.register("attribution")` on a `rebuild(scope)` function.

    Registering a name again replaces that builder (module reloads stay harmless)."""

    def wrap(rebuild: Callable[[Scope], None]) -> Callable[[Scope], None]:
        _BUILDERS[name] = RollupBuilder(name=name, rebuild=rebuild)
        return rebuild

    return wrap


def builders() -> list[RollupBuilder]:
    return list(_BUILDERS.values())


def rebuild(scope: Scope) -> None:
    """Run every registered builder on the scope, in registration order."""
    if connection.vendor == "postgresql":
        # The grouped statements' cost estimates cross jit_above_cost: compiling them
        # took longer than running them (seconds on a busy machine), for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    for builder in builders():
        builder.rebuild(scope)


def set_based(scope: Scope) -> bool:
    return connection.vendor == "postgresql" and not scope.portable


def _refs_by_day(scope: Scope, dimension: str) -> dict:
    by_day: dict = defaultdict(set)
    for day, ref in scope.cells_of(dimension):
        by_day[day].add(ref)
    return by_day


@register("campaign_day")
def _campaign_days(scope: Scope) -> None:
    _dimension(scope, CAMPAIGN)


@register("owner_day")
def _owner_days(scope: Scope) -> None:
    _dimension(scope, OWNER)


def _dimension(scope: Scope, dimension: str) -> None:
    if set_based(scope):
        rollup_sql.rebuild_dimension(scope, dimension)
    elif scope.cells is None:
        rollup_python.rebuild_dimension(dimension, scope.first, scope.last, None, scope.now)
    else:
        for day, refs in sorted(_refs_by_day(scope, dimension).items()):
            rollup_python.rebuild_dimension(dimension, day, day, refs, scope.now)


@register("mql_repeat")
def _repeats(scope: Scope) -> None:
    if set_based(scope):
        rollup_sql.rebuild_repeats(scope)
    elif scope.cells is None:
        rollup_python.rebuild_repeats(CAMPAIGN, scope.first, scope.last, None)
    else:
        for dimension in (CAMPAIGN, OWNER):
            for day, refs in sorted(_refs_by_day(scope, dimension).items()):
                rollup_python.rebuild_repeats(dimension, day, day, refs)


@register("sales_cost_day")
def _sales(scope: Scope) -> None:
    if set_based(scope):
        rollup_sql.rebuild_sales(scope)
        return
    days = scope.sales_days()
    if days is None:
        rollup_python.rebuild_sales(scope.first, scope.last)
    for day in sorted(days or ()):
        rollup_python.rebuild_sales(day, day)
