"""The plain-SQL floor of the full KPI recompute: the same daily aggregates (metrics/refresh.py,
../shared/spec/kpis.md), per campaign and per owner, in the fewest plain SQL statements,
written into temporary tables and rolled back. The recompute cannot be much faster than this
on the same data and machine; bench/run.py prints the ratio.

Sources and their day: leads (created_at) with the won cohort; transitions into mql
(distinct leads); handoffs (handed_off_at: count, SLA met / breached, response times);
answers (responded_at: accepted, rejected per reason, ratings); opportunities (created_at)
and their closing (closed_at: won, lost, revenue, sales cycle); MQL repeats (a window over
each lead's mql days); campaign spend and sales cost spread evenly over their period.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import transaction

REASONS = [
    "not_a_fit",
    "no_budget",
    "no_authority",
    "no_need",
    "bad_timing",
    "bad_contact_data",
    "duplicate",
    "competitor",
    "spam",
    "other",
]


def _day(column: str) -> str:
    return f"(({column}) AT TIME ZONE %(tz)s)::date"


def statements() -> list[str]:
    rejected = ", ".join(
        f"count(*) FILTER (WHERE h.outcome = 'rejected' AND h.reason = '{r}') AS rejected_{r}"
        for r in REASONS
    )
    out = []
    for dim, lead_ref, handoff_ref, opp_ref in (
        ("campaign", "l.campaign_id", "l.campaign_id", "l.campaign_id"),
        ("owner", "l.owner_id", "h.assignee_id", "o.owner_id"),
    ):
        out += [
            f"""CREATE TEMP TABLE floor_{dim}_leads AS
            SELECT {_day("l.created_at")} AS day, {lead_ref} AS ref, count(*) AS leads,
                   count(*) FILTER (WHERE o.stage = 'won') AS cohort_customers
            FROM leads_lead l LEFT JOIN leads_opportunity o ON o.lead_id = l.id
            GROUP BY 1, 2""",
            f"""CREATE TEMP TABLE floor_{dim}_mqls AS
            SELECT {_day("e.at")} AS day, {lead_ref} AS ref, count(DISTINCT e.lead_id) AS mqls
            FROM handoff_leadevent e JOIN leads_lead l ON l.id = e.lead_id
            WHERE e.to_status = 'mql' AND e.from_status <> 'mql'
            GROUP BY 1, 2""",
            f"""CREATE TEMP TABLE floor_{dim}_handoffs AS
            SELECT {_day("h.handed_off_at")} AS day, {handoff_ref} AS ref, count(*) AS handoffs,
                   count(*) FILTER (WHERE h.responded_at <= h.sla_due_at) AS sla_met,
                   count(*) FILTER (WHERE h.responded_at > h.sla_due_at
                       OR (h.responded_at IS NULL AND h.outcome = 'pending'
                           AND h.sla_due_at < now())
                       OR (h.outcome = 'reassigned' AND h.closed_at > h.sla_due_at))
                       AS sla_breached,
                   count(h.responded_at) AS response_count,
                   sum(h.responded_at - h.handed_off_at) AS response_total
            FROM handoff_handoff h JOIN leads_lead l ON l.id = h.lead_id
            GROUP BY 1, 2""",
            f"""CREATE TEMP TABLE floor_{dim}_answers AS
            SELECT {_day("h.responded_at")} AS day, {handoff_ref} AS ref,
                   count(*) FILTER (WHERE h.outcome = 'accepted') AS accepted,
                   count(*) FILTER (WHERE h.outcome = 'rejected') AS rejected,
                   count(h.rating) AS rating_count, sum(h.rating) AS rating_sum, {rejected}
            FROM handoff_handoff h JOIN leads_lead l ON l.id = h.lead_id
            WHERE h.outcome IN ('accepted', 'rejected')
            GROUP BY 1, 2""",
            f"""CREATE TEMP TABLE floor_{dim}_opened AS
            SELECT {_day("o.created_at")} AS day, {opp_ref} AS ref, count(*) AS opportunities
            FROM leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id
            GROUP BY 1, 2""",
            f"""CREATE TEMP TABLE floor_{dim}_closed AS
            SELECT {_day("o.closed_at")} AS day, {opp_ref} AS ref,
                   count(*) FILTER (WHERE o.stage = 'won') AS customers,
                   count(*) FILTER (WHERE o.stage = 'lost') AS lost,
                   sum(o.amount) FILTER (WHERE o.stage = 'won') AS revenue,
                   sum(o.closed_at - o.created_at) FILTER (WHERE o.stage = 'won')
                       AS sales_cycle_total
            FROM leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id
            WHERE o.stage IN ('won', 'lost')
            GROUP BY 1, 2""",
        ]
    out += [
        f"""CREATE TEMP TABLE floor_repeats AS
        SELECT day, prev_day, campaign_id, owner_id, count(DISTINCT lead_id) AS leads
        FROM (
            SELECT e.lead_id, {_day("e.at")} AS day, l.campaign_id, l.owner_id,
                   max({_day("e.at")}) OVER (
                       PARTITION BY e.lead_id ORDER BY e.at
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_day
            FROM handoff_leadevent e JOIN leads_lead l ON l.id = e.lead_id
            WHERE e.to_status = 'mql' AND e.from_status <> 'mql'
        ) s
        WHERE prev_day < day
        GROUP BY 1, 2, 3, 4""",
        """CREATE TEMP TABLE floor_spend AS
        SELECT d::date AS day, c.campaign_id AS ref,
               sum(c.amount / (COALESCE(c.end_date, c.date) - c.date + 1)) AS marketing_spend
        FROM leads_campaigncost c,
             generate_series(c.date, COALESCE(c.end_date, c.date), interval '1 day') d
        GROUP BY 1, 2""",
        """CREATE TEMP TABLE floor_sales AS
        SELECT d::date AS day,
               sum(s.amount / (COALESCE(s.end_date, s.date) - s.date + 1)) AS sales_cost
        FROM leads_salescost s,
             generate_series(s.date, COALESCE(s.end_date, s.date), interval '1 day') d
        GROUP BY 1""",
    ]
    return out


def run(connection: Any) -> float:
    """Seconds the floor takes on this connection (in a transaction that is rolled back)."""
    params = {"tz": settings.TIME_ZONE}
    began = time.perf_counter()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in statements():
            cursor.execute(sql, params)
        transaction.set_rollback(True, using=connection.alias)
    return time.perf_counter() - began
