"""The dashboard's rollup part (tiles, diagnosis, funnel, trends, charts, breakdown tables)
cached as rendered HTML (the `{% cache %}` fragment in metrics/partials/_body.html), and
the tiles' summary numbers under the same key.

The key holds what that HTML is made of: the last refresh (metrics.freshness, read first:
a refresh run or a full recompute makes a new key, so nothing is invalidated by hand), the
targets (count, newest change, highest id: a set, changed or deleted target makes a new
key), the period and filters, the tables' sorts, the language and the viewer's roles. Live
parts (the filter form, the stale warning, the overdue handoffs) stay outside.
Campaign and rep names are not in the key: a rename shows within TTL seconds.
"""

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils.translation import get_language

from leads.roles import roles_of
from metrics.forms import DashboardFilterForm
from metrics.freshness import RefreshStatus
from metrics.models import Target

TTL = 300  # seconds; the key changes on every refresh anyway


def fragment(
    request: HttpRequest,
    form: DashboardFilterForm,
    status: RefreshStatus,
    sorts: Mapping[str, str],
) -> dict[str, Any]:
    """{key, ttl} for the template's `{% cache ttl dashboard_rollups key %}` and for
    `summary`. One query (targets); `status` is metrics.freshness.refresh_status()."""
    targets = Target.objects.aggregate(n=Count("id"), changed=Max("updated_at"), top=Max("id"))
    period, previous = form.period(), form.previous()
    parts = (
        status.refreshed_at,
        status.stale,
        status.failing_cells,
        targets["n"],
        targets["changed"],
        targets["top"],
        period.start,
        period.end,
        previous.start,
        previous.end,
        sorted(form.filters().items()),
        sorted(sorts.items()),
        get_language(),
        sorted(roles_of(request.user)),
    )
    key = hashlib.sha256(repr(parts).encode()).hexdigest()
    return {"key": key, "ttl": TTL}


def summary(key: Mapping[str, Any], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The tiles' numbers (two KPI summaries and the targets) under the fragment's key."""
    return cache.get_or_set(f"dashboard-summary:{key['key']}", compute, key["ttl"])
