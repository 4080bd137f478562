"""PostgreSQL rollup builders: each rollup table rebuilt by one DELETE and one INSERT ... SELECT.

The same statements serve the full recompute (a window of days, every campaign and owner)
and the incremental refresh (only the dirty (day, ref) cells, however many): the facts are
read by their time index for the windows' days, grouped per source into (day, ref), summed
over the sources and inserted, so no fact row and no rollup row passes through Python.
The MQL repeats are computed once, with a window function (LAG over each lead's mql days).
Results equal the portable ORM path (`metrics.rollup_python`; tests compare the two).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from leads import bounds
from leads.spread import MAX_SPAN_DAYS
from metrics.models import FACT_FIELDS, REASON_CODES
from metrics.rollup_scope import CAMPAIGN, OWNER, Scope

_INTERVALS = {"response_total", "sales_cycle_total"}
_NUMERIC = {"revenue", "marketing_spend"}
_TABLES = {
    CAMPAIGN: ("metrics_campaignday", "campaign_id"),
    OWNER: ("metrics_ownerday", "owner_id"),
}

# Per source: its rows (FROM/JOIN with the time column `t`), the ref column of each
# dimension, and its aggregates ({fact column: SQL aggregate}).
_BREACHED = (
    "(h.responded_at > h.sla_due_at)"
    " OR (h.responded_at IS NULL AND h.outcome = 'pending' AND h.sla_due_at < %(now)s)"
    " OR (h.outcome = 'reassigned' AND h.closed_at > h.sla_due_at)"
)
_SOURCES: list[dict[str, Any]] = [
    {
        "rows": "leads_lead l LEFT JOIN leads_opportunity o ON o.lead_id = l.id",
        "t": "l.created_at",
        "where": "TRUE",
        "ref": {CAMPAIGN: "l.campaign_id", OWNER: "l.owner_id"},
        "aggs": {
            "leads": "count(*)",
            "cohort_customers": "count(*) FILTER (WHERE o.stage = 'won')",
        },
    },
    {
        "rows": "handoff_leadevent e JOIN leads_lead l ON l.id = e.lead_id",
        "t": "e.at",
        "where": "e.to_status = 'mql' AND e.from_status <> 'mql'",
        "ref": {CAMPAIGN: "l.campaign_id", OWNER: "l.owner_id"},
        "aggs": {"mqls": "count(DISTINCT e.lead_id)"},
    },
    {
        "rows": "handoff_handoff h JOIN leads_lead l ON l.id = h.lead_id",
        "t": "h.handed_off_at",
        "where": "TRUE",
        "ref": {CAMPAIGN: "l.campaign_id", OWNER: "h.assignee_id"},
        "aggs": {
            "handoffs": "count(*)",
            "sla_met": "count(*) FILTER (WHERE h.responded_at <= h.sla_due_at)",
            "sla_breached": f"count(*) FILTER (WHERE {_BREACHED})",
            "response_count": "count(h.responded_at)",
            "response_total": "sum(h.responded_at - h.handed_off_at)",
        },
    },
    {
        "rows": "handoff_handoff h JOIN leads_lead l ON l.id = h.lead_id",
        "t": "h.responded_at",
        "where": "h.outcome IN ('accepted', 'rejected')",
        "ref": {CAMPAIGN: "l.campaign_id", OWNER: "h.assignee_id"},
        "aggs": {
            "accepted": "count(*) FILTER (WHERE h.outcome = 'accepted')",
            "rejected": "count(*) FILTER (WHERE h.outcome = 'rejected')",
            "rating_count": "count(h.rating)",
            "rating_sum": "sum(h.rating)",
            **{
                f"rejected_{code}": (
                    f"count(*) FILTER (WHERE h.outcome = 'rejected' AND h.reason = '{code}')"
                )
                for code in REASON_CODES
            },
        },
    },
    {
        "rows": "leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id",
        "t": "o.created_at",
        "where": "TRUE",
        "ref": {CAMPAIGN: "l.campaign_id", OWNER: "o.owner_id"},
        "aggs": {"opportunities": "count(*)"},
    },
    {
        "rows": "leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id",
        "t": "o.closed_at",
        "where": "o.stage IN ('won', 'lost')",
        "ref": {CAMPAIGN: "l.campaign_id", OWNER: "o.owner_id"},
        "aggs": {
            "customers": "count(*) FILTER (WHERE o.stage = 'won')",
            "lost": "count(*) FILTER (WHERE o.stage = 'lost')",
            "revenue": "sum(o.amount) FILTER (WHERE o.stage = 'won')",
            "sales_cycle_total": ("sum(o.closed_at - o.created_at) FILTER (WHERE o.stage = 'won')"),
        },
    },
]


def _null(column: str) -> str:
    if column in _INTERVALS:
        return "NULL::interval"
    if column in _NUMERIC:
        return "NULL::numeric"
    return "NULL::bigint"


def _zero(column: str) -> str:
    if column in _INTERVALS:
        return "'0'::interval"
    return "0"


def _local_day(column: str) -> str:
    return f"({column} AT TIME ZONE %(tz)s)::date"


def _ranges(scope: Scope) -> tuple[str, dict[str, Any]]:
    """A template `({t} >= lo AND {t} < hi) OR ...` for the time range of each day read (one
    range for a whole window). The bounds reach the planner as constants (psycopg2 sends
    them inline), so it estimates each range and reads it by the time index; a join with
    an array of ranges made it read every row at 1M leads."""
    params: dict[str, Any] = {}
    tests = []
    for n, (lo, hi) in enumerate(scope.time_ranges()):
        params[f"lo{n}"], params[f"hi{n}"] = lo, hi
        tests.append(f"({{t}} >= %(lo{n})s AND {{t}} < %(hi{n})s)")
    return "(" + " OR ".join(tests) + ")", params


def _cells_params(scope: Scope, dimension: str, prefix: str) -> dict[str, Any]:
    cells = sorted(scope.cells_of(dimension), key=lambda cell: (cell[0], cell[1] or 0))
    return {
        f"{prefix}_days": [day for day, _ in cells],
        f"{prefix}_refs": [ref or 0 for _, ref in cells],
    }


def _cells_test(prefix: str, day: str, ref: str) -> str:
    return (
        f"({day}, COALESCE({ref}, 0)) IN "
        f"(SELECT * FROM unnest(%({prefix}_days)s::date[], %({prefix}_refs)s::bigint[]))"
    )


def _refs_test(ref: str, cells: set) -> str:
    """`ref` among the cells' refs (literal integers: they come from the DirtyCell rows)."""
    ids = sorted({int(r) for _, r in cells if r})
    tests = [f"{ref} IN ({', '.join(map(str, ids))})"] if ids else []
    if any(not r for _, r in cells):
        tests.append(f"{ref} IS NULL")
    return "(" + " OR ".join(tests) + ")"


def _facts_sql(scope: Scope, dimension: str) -> tuple[str, dict[str, Any]]:
    """SELECT day, ref, <every fact column>, marker of every non-empty cell of the scope."""
    ranges, params = _ranges(scope)
    params.update(tz=str(scope.zone), now=scope.now)
    limited = scope.cells is not None
    if limited:
        params.update(_cells_params(scope, dimension, "c"))
    columns = [*FACT_FIELDS] + (["marketing_spend"] if dimension == CAMPAIGN else [])
    branches = []
    for source in _SOURCES:
        day, ref = _local_day(source["t"]), source["ref"][dimension]
        where = source["where"] + " AND " + ranges.format(t=source["t"])
        if limited:
            # The ref test first lets an index on (ref, time) serve it (leads by campaign).
            where += f" AND {_refs_test(ref, scope.cells_of(dimension))}"
            where += " AND " + _cells_test("c", day, ref)
        values = [source["aggs"].get(column, _null(column)) for column in columns]
        branches.append(
            f"SELECT {day} AS day, {ref} AS ref, {', '.join(values)}, 1 AS facts "
            f"FROM {source['rows']} "
            f"WHERE {where} GROUP BY 1, 2"
        )
    if dimension == CAMPAIGN:
        cells = "unnest(%(c_days)s::date[], %(c_refs)s::bigint[])" if limited else None
        sql, spend_params = _spend_sql(scope, "leads_campaigncost", cells)
        params.update(spend_params)
        values = [_null(column) for column in columns[:-1]]
        branches.append(
            f"SELECT s.day, s.ref, {', '.join(values)}, s.share, 0 AS facts FROM ({sql}) s"
        )
    sums = ", ".join(f"COALESCE(sum({column}), {_zero(column)})" for column in columns)
    having = "sum(facts) > 0"
    if dimension == CAMPAIGN:
        having += " OR COALESCE(sum(marketing_spend), 0) <> 0"
    union = " UNION ALL ".join(branches)
    body = (
        f"SELECT u.day, u.ref, {sums} FROM ("
        f"{union}) AS u(day, ref, {', '.join(columns)}, facts) "
        f"GROUP BY u.day, u.ref HAVING {having}"
    )
    return body, params | {"_columns": columns}


def _spend_sql(scope: Scope, table: str, cells: str | None) -> tuple[str, dict[str, Any]]:
    """(day, ref, share) of cost entries per day: the amount spread evenly over the entry's
    days, each share rounded down to the cent, the remainder on the last day
    (leads.spread.daily_shares). Over a window: every day of first..last (a series per
    entry). For cells: `cells` is a relation (day, ref) and each is looked up by its index
    (campaign, date) or (date)."""
    period_end = "COALESCE(c.end_date, c.date)"
    days = f"({period_end} - c.date + 1)"
    ref = "c.campaign_id" if table == "leads_campaigncost" else "0"
    share = (
        f"CASE WHEN d.day = {period_end} THEN c.amount - trunc(c.amount / {days}, 2) * "
        f"({days} - 1) ELSE trunc(c.amount / {days}, 2) END"
    )
    if cells is None:
        # Single-day entries (most of them) need no series: the planner's estimate of a
        # series per entry would make it spill the grouping to disk.
        sql = (
            f"SELECT c.date AS day, {ref} AS ref, c.amount AS share FROM {table} c "
            "WHERE c.end_date IS NULL AND c.date BETWEEN %(first)s AND %(last)s UNION ALL "
            f"SELECT d.day, {ref} AS ref, {share} AS share FROM {table} c "
            "CROSS JOIN LATERAL (SELECT generate_series(GREATEST(c.date, %(first)s::date), "
            f"LEAST({period_end}, %(last)s::date), '1 day')::date AS day) d "
            "WHERE c.end_date IS NOT NULL AND c.date <= %(last)s AND c.date >= %(first_entry)s "
            f"AND {period_end} >= %(first)s"
        )
        return sql, {
            "first": scope.first,
            "last": scope.last,
            "first_entry": scope.first - dt.timedelta(days=MAX_SPAN_DAYS),
        }
    same_ref = "c.campaign_id = d.ref AND " if ref != "0" else ""
    sql = (
        f"SELECT d.day, {ref} AS ref, {share} AS share FROM {cells} d(day, ref) "
        f"JOIN {table} c ON {same_ref}c.date <= d.day "
        f"AND c.date >= d.day - {MAX_SPAN_DAYS} AND {period_end} >= d.day"
    )
    return sql, {}


def _execute(sql: str, params: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _delete_sql(table: str, ref: str, scope: Scope, dimension: str) -> tuple[str, dict]:
    if scope.cells is None:
        return (
            f"DELETE FROM {table} WHERE day BETWEEN %(first)s AND %(last)s",
            {"first": scope.first, "last": scope.last},
        )
    params = _cells_params(scope, dimension, "c")
    params["days"] = sorted({day for day, _ in scope.cells_of(dimension)})
    test = _cells_test("c", "day", ref)
    return f"DELETE FROM {table} WHERE day = ANY(%(days)s::date[]) AND {test}", params


def rebuild_dimension(scope: Scope, dimension: str) -> None:
    """Delete and re-insert the CampaignDay / OwnerDay rows of the scope (2 statements)."""
    if scope.cells is not None and not scope.cells_of(dimension):
        return
    table, ref = _TABLES[dimension]
    _execute(*_delete_sql(table, ref, scope, dimension))
    select, params = _facts_sql(scope, dimension)
    columns = params.pop("_columns")
    _execute(f"INSERT INTO {table} (day, {ref}, {', '.join(columns)}) {select}", params)


def rebuild_repeats(scope: Scope) -> None:
    """Delete and re-insert the MqlRepeat rows of the scope (2 statements).

    Each lead's distinct local mql days in order: a day with a previous one is a repeat.
    A previous day before the KPI window (an old row from before the bounds) makes the
    statement fail with a data error, so that the cell is isolated and recorded like on the
    portable path.
    """
    params: dict[str, Any] = {"tz": str(scope.zone), "first_date": bounds.FIRST_DATE}
    ranges, range_params = _ranges(scope)
    params.update(range_params)
    into_mql = "e.to_status = 'mql' AND e.from_status <> 'mql'"
    # Only the leads with an mql move in the scope's days (all their mql days are read).
    leads = (
        "AND e.lead_id IN (SELECT e.lead_id FROM handoff_leadevent e "
        f"WHERE {into_mql} AND {ranges.format(t='e.at')})"
    )
    if scope.cells is None:
        days = "s.day BETWEEN %(first)s AND %(last)s"
        cells = "TRUE"
        params.update(first=scope.first, last=scope.last)
        delete = "DELETE FROM metrics_mqlrepeat WHERE day BETWEEN %(first)s AND %(last)s"
    else:
        if not scope.cells_of(CAMPAIGN) and not scope.cells_of(OWNER):
            return
        params["days"] = sorted(scope.days())
        params.update(_cells_params(scope, CAMPAIGN, "c"))
        params.update(_cells_params(scope, OWNER, "o"))
        days = "s.day = ANY(%(days)s::date[])"
        cells = (
            f"({_cells_test('c', 's.day', 'l.campaign_id')} "
            f"OR {_cells_test('o', 's.day', 'l.owner_id')})"
        )
        delete = (
            "DELETE FROM metrics_mqlrepeat WHERE day = ANY(%(days)s::date[]) AND ("
            f"{_cells_test('c', 'day', 'campaign_id')} OR {_cells_test('o', 'day', 'owner_id')})"
        )
    _execute(delete, params)
    _execute(
        f"WITH mql AS (SELECT DISTINCT e.lead_id, {_local_day('e.at')} AS day "
        f"FROM handoff_leadevent e WHERE {into_mql} {leads}), "
        "seq AS (SELECT lead_id, day, lag(day) OVER (PARTITION BY lead_id ORDER BY day) AS prev "
        "FROM mql) "
        "INSERT INTO metrics_mqlrepeat (day, prev_day, campaign_id, owner_id, leads) "
        "SELECT s.day, CASE WHEN s.prev < %(first_date)s "
        "THEN ('KPI row out of window: ' || s.prev::text)::date ELSE s.prev END, "
        "l.campaign_id, l.owner_id, count(*) "
        "FROM seq s JOIN leads_lead l ON l.id = s.lead_id "
        f"WHERE s.prev IS NOT NULL AND {days} AND {cells} "
        "GROUP BY s.day, s.prev, l.campaign_id, l.owner_id",
        params,
    )


def rebuild_sales(scope: Scope) -> None:
    """Delete and re-insert the SalesCostDay rows of the scope's days (2 statements)."""
    days = scope.sales_days()
    if days is not None and not days:
        return
    if days is None:
        spend, params = _spend_sql(scope, "leads_salescost", None)
        where = "day BETWEEN %(first)s AND %(last)s"
    else:
        cells = "unnest(%(days)s::date[], %(days)s::date[])"
        spend, params = _spend_sql(scope, "leads_salescost", cells)
        where = "day = ANY(%(days)s::date[])"
        params["days"] = sorted(days)
    _execute(f"DELETE FROM metrics_salescostday WHERE {where}", params)
    _execute(
        "INSERT INTO metrics_salescostday (day, sales_cost) SELECT day, sum(share) "
        f"FROM ({spend}) s WHERE {where} GROUP BY day HAVING sum(share) <> 0",
        params,
    )
