"""The evidence both teams argue about, from data: four reads for the diagnosis page.

- `rep_acceptance_vs_sla`: per rep, acceptance rate next to SLA compliance and average
  response time (from the owner rollups: handoff facts belong to the assignee).
- `win_rate_by_response_time`: handoffs handed off in range and answered, bucketed by
  response time (under 1 h, 1-4 h, 4-24 h, over 24 h), with what became of their lead's
  opportunity (at any time up to now): what slow follow-up costs.
- `rejected_then_won`: rejections answered in range whose lead was won later (after
  recycling, by the same rep or another one), by rejection reason: where "bad lead" was
  wrong.
- `acceptance_by_campaign_and_rep`: answers in range per campaign and rep, and whether a
  campaign is rejected by every rep who saw it or by some of them.

Days are calendar days in settings.TIME_ZONE, both ends inclusive, like every KPI. Each
read is a constant number of grouped queries (one to three), whatever the data size: the
fact-table reads use the indexes on `handed_off_at` and `responded_at`.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models import CharField as CharOutput
from django.utils.translation import gettext_lazy as _

from handoff.models import Handoff, HandoffOutcome, RejectionReason
from leads.models import OpportunityStage
from metrics import kpis
from metrics.selectors import kpi_breakdown

BUCKETS: tuple[tuple[str, Any, dt.timedelta | None], ...] = (
    ("under_1h", _("Under 1 h"), dt.timedelta(hours=1)),
    ("1_4h", _("1-4 h"), dt.timedelta(hours=4)),
    ("4_24h", _("4-24 h"), dt.timedelta(hours=24)),
    ("over_24h", _("Over 24 h"), None),
)
# A campaign is "mostly rejected" by a rep whose acceptance rate is below this.
MOSTLY_REJECTED = Decimal("0.5")
ANSWERED = (HandoffOutcome.ACCEPTED, HandoffOutcome.REJECTED)
WON, LOST = OpportunityStage.WON, OpportunityStage.LOST


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[midnight starting start, midnight after end) in settings.TIME_ZONE."""
    if start > end:
        raise ValueError(f"start ({start}) must not be after end ({end})")
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _name(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or username or ""


def rep_acceptance_vs_sla(*, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Every rep with a handoff or an answer in range: `{owner, name, handoffs, accepted,
    rejected, acceptance_rate, sla_compliance_rate, avg_response_hours}`, by name. Three
    queries (the owner breakdown of the rollups)."""
    rows = []
    for row in kpi_breakdown(by="owner", start=start, end=end):
        if row["owner"] is None or not (row["handoffs"] or row["accepted"] or row["rejected"]):
            continue
        rows.append(
            {
                "owner": row["owner"],
                "name": row["name"],
                **{
                    key: row[key]
                    for key in (
                        "handoffs",
                        "accepted",
                        "rejected",
                        "acceptance_rate",
                        "sla_met",
                        "sla_breached",
                        "sla_compliance_rate",
                        "avg_response_hours",
                    )
                },
            }
        )
    return rows


def _bucket() -> tuple[ExpressionWrapper, Case]:
    """The response time and its bucket: under 1 h is strictly under; 1-4 h holds 4 h
    exactly and 4-24 h holds 24 h exactly (on time under the default 24-hour SLA)."""
    response = ExpressionWrapper(
        F("responded_at") - F("handed_off_at"), output_field=DurationField()
    )
    (first, _l1, one_hour), *middle, (last, _l4, _none) = BUCKETS
    whens = [When(Q(response__lt=one_hour), then=Value(first))]
    whens += [When(Q(response__lte=limit), then=Value(key)) for key, _label, limit in middle]
    return response, Case(*whens, default=Value(last), output_field=CharOutput())


def win_rate_by_response_time(*, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """One row per response-time bucket, fastest first: `{bucket, label, answered,
    accepted, won, lost, win_rate, close_rate}` over the handoffs handed off in range and
    answered (accepted or rejected). `won` / `lost`: their lead's opportunity as it stands
    now; `win_rate = won / (won + lost)`, `close_rate = won / answered`. One query."""
    low, high = _bounds(start, end)
    response, case = _bucket()
    counts = {
        row["bucket"]: row
        for row in Handoff.objects.filter(
            handed_off_at__gte=low,
            handed_off_at__lt=high,
            outcome__in=ANSWERED,
            responded_at__isnull=False,
        )
        .annotate(response=response)
        .annotate(bucket=case)
        .order_by()
        .values("bucket")
        .annotate(
            answered=Count("id"),
            accepted=Count("id", filter=Q(outcome=HandoffOutcome.ACCEPTED)),
            won=Count("id", filter=Q(lead__opportunity__stage=WON)),
            lost=Count("id", filter=Q(lead__opportunity__stage=LOST)),
        )
    }
    rows = []
    for key, label, _limit in BUCKETS:
        row = counts.get(key) or {}
        answered, won, lost = row.get("answered", 0), row.get("won", 0), row.get("lost", 0)
        rows.append(
            {
                "bucket": key,
                "label": str(label),
                "answered": answered,
                "accepted": row.get("accepted", 0),
                "won": won,
                "lost": lost,
                "win_rate": kpis.ratio(won, won + lost),
                "close_rate": kpis.ratio(won, answered),
            }
        )
    return rows


def rejected_then_won(*, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """One row per rejection reason used in range, most later-won first: `{reason, label,
    rejected, later_won, won_by_same_rep, won_by_other_rep, won_share, revenue}`. A
    rejection counts as later won when its lead's opportunity was won after the rejection
    (at any time up to now). One query."""
    low, high = _bounds(start, end)
    won_later = Q(lead__opportunity__stage=WON, lead__opportunity__closed_at__gt=F("responded_at"))
    same_rep = Q(lead__opportunity__owner_id=F("assignee_id"))
    rows = []
    for row in (
        Handoff.objects.filter(
            outcome=HandoffOutcome.REJECTED, responded_at__gte=low, responded_at__lt=high
        )
        .order_by()
        .values("reason")
        .annotate(
            rejected=Count("id"),
            later_won=Count("id", filter=won_later),
            won_by_same_rep=Count("id", filter=won_later & same_rep),
            revenue=Sum("lead__opportunity__amount", filter=won_later),
        )
    ):
        labels = dict(RejectionReason.choices)
        rows.append(
            {
                "reason": row["reason"],
                "label": str(labels.get(row["reason"], row["reason"] or "")),
                "rejected": row["rejected"],
                "later_won": row["later_won"],
                "won_by_same_rep": row["won_by_same_rep"],
                "won_by_other_rep": row["later_won"] - row["won_by_same_rep"],
                "won_share": kpis.ratio(row["later_won"], row["rejected"]),
                "revenue": row["revenue"] or Decimal("0"),
            }
        )
    rows.sort(key=lambda r: (-r["later_won"], -r["rejected"], r["reason"] or ""))
    return rows


def _pattern(cells: list[dict[str, Any]]) -> str:
    """`every_rep` when every rep who answered the campaign's leads rejected most of them,
    `some_reps` when only some did, `none` when none did."""
    mostly = [c for c in cells if c["acceptance_rate"] < MOSTLY_REJECTED]
    if not mostly:
        return "none"
    return "every_rep" if len(mostly) == len(cells) else "some_reps"


def acceptance_by_campaign_and_rep(*, start: dt.date, end: dt.date) -> dict[str, Any]:
    """`{reps: [{owner, name}], campaigns: [{campaign_id, campaign, accepted, rejected,
    acceptance_rate, pattern, cells: {owner: {accepted, rejected, acceptance_rate}}}]}`
    over the answers (accepted or rejected) given in range, leads with a campaign only;
    campaigns by most answers. `pattern` is `every_rep`, `some_reps` or `none` (see
    `_pattern`). One query."""
    low, high = _bounds(start, end)
    grouped = (
        Handoff.objects.filter(
            outcome__in=ANSWERED,
            responded_at__gte=low,
            responded_at__lt=high,
            lead__campaign__isnull=False,
        )
        .order_by()
        .values(
            "lead__campaign_id",
            "lead__campaign__name",
            "assignee_id",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
        .annotate(
            accepted=Count("id", filter=Q(outcome=HandoffOutcome.ACCEPTED)),
            rejected=Count("id", filter=Q(outcome=HandoffOutcome.REJECTED)),
        )
    )
    reps: dict[int, str] = {}
    campaigns: dict[int, dict[str, Any]] = {}
    cells: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in grouped:
        owner, cid = row["assignee_id"], row["lead__campaign_id"]
        reps[owner] = _name(
            row["assignee__first_name"], row["assignee__last_name"], row["assignee__username"]
        )
        campaign = campaigns.setdefault(
            cid,
            {
                "campaign_id": cid,
                "campaign": row["lead__campaign__name"],
                "accepted": 0,
                "rejected": 0,
            },
        )
        campaign["accepted"] += row["accepted"]
        campaign["rejected"] += row["rejected"]
        cells[cid][owner] = {
            "accepted": row["accepted"],
            "rejected": row["rejected"],
            "acceptance_rate": kpis.ratio(row["accepted"], row["accepted"] + row["rejected"]),
        }
    rows = []
    for cid, campaign in campaigns.items():
        answered = campaign["accepted"] + campaign["rejected"]
        rows.append(
            {
                **campaign,
                "acceptance_rate": kpis.ratio(campaign["accepted"], answered),
                "pattern": _pattern(list(cells[cid].values())),
                "cells": cells[cid],
            }
        )
    rows.sort(key=lambda r: (-(r["accepted"] + r["rejected"]), r["campaign"]))
    ordered = sorted(reps.items(), key=lambda kv: (kv[1].lower(), kv[0]))
    return {"reps": [{"owner": o, "name": n} for o, n in ordered], "campaigns": rows}
