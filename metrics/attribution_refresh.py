"""Keep the attribution credits current: recompute the leads marked dirty (a constant
number of queries per batch), or rebuild every credit from the won opportunities.

Called by metrics.tasks (queued on commit by metrics.attribution_listeners and swept by
beat) and by the `rebuild_attribution` command.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from leads.models import Opportunity, OpportunityStage, Touch
from metrics import attribution
from metrics.models import AttributionCredit, AttributionDirty
from metrics.refresh import local_day

BATCH = 500  # dirty leads per transaction
REBUILD_CHUNK = 2000  # won opportunities per insert during a rebuild


def _credit_rows(opportunities: list[dict]) -> list[AttributionCredit]:
    """Every model's credits for these opportunities (won ones only): one query for the
    touches of their leads."""
    won = [o for o in opportunities if o["stage"] == OpportunityStage.WON and o["closed_at"]]
    if not won:
        return []
    journeys: dict[int, list[attribution.JourneyTouch]] = defaultdict(list)
    for lead_id, campaign_id, at in (
        Touch.objects.filter(lead_id__in=[o["lead_id"] for o in won])
        .order_by("at", "id")
        .values_list("lead_id", "campaign_id", "at")
    ):
        journeys[lead_id].append(attribution.JourneyTouch(campaign_id, at))
    rows: list[AttributionCredit] = []
    for o in won:
        day = local_day(o["closed_at"])
        for model, shares in attribution.all_credits(
            journeys.get(o["lead_id"], []), o["created_at"], o["amount"]
        ).items():
            rows.extend(
                AttributionCredit(
                    opportunity_id=o["id"],
                    model=model,
                    campaign_id=share.campaign_id,
                    credit=share.credit,
                    revenue=share.revenue,
                    won_day=day,
                )
                for share in shares
            )
    return rows


_FIELDS = ("id", "lead_id", "stage", "amount", "created_at", "closed_at")


def recompute_leads(lead_ids: Iterable[int]) -> int:
    """Replace the credits of these leads' opportunities (none left unless won). Call inside
    a transaction: the opportunities are locked so two workers cannot interleave. Four
    queries. Returns the number of credit rows written."""
    ids = sorted(set(lead_ids))
    if not ids:
        return 0
    opportunities = list(
        Opportunity.objects.select_for_update(of=("self",))
        .filter(lead_id__in=ids)
        .order_by("id")
        .values(*_FIELDS)
    )
    if not opportunities:
        return 0
    AttributionCredit.objects.filter(opportunity_id__in=[o["id"] for o in opportunities]).delete()
    rows = _credit_rows(opportunities)
    AttributionCredit.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def refresh_dirty(batch: int = BATCH, max_batches: int = 100) -> int:
    """Recompute the leads marked dirty, `batch` at a time (rows another worker holds are
    skipped). Returns the number of dirty rows consumed."""
    done = 0
    for _ in range(max_batches):
        with transaction.atomic():
            marks = list(
                AttributionDirty.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "lead_id")[:batch]
            )
            if not marks:
                break
            recompute_leads(lead_id for _, lead_id in marks)
            AttributionDirty.objects.filter(id__in=[mark_id for mark_id, _ in marks]).delete()
        done += len(marks)
        if len(marks) < batch:
            break
    return done


@dataclass(frozen=True)
class RebuildResult:
    opportunities: int
    credits: int
    seconds: float


def rebuild_all(chunk: int = REBUILD_CHUNK) -> RebuildResult:
    """Delete every credit and compute them again from the won opportunities, in one
    transaction (the credit table is locked against incremental writers meanwhile; the
    dirty rows marked before it started are consumed)."""
    began = time.monotonic()
    opportunities = written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite (the demo) locks the whole file anyway
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {AttributionCredit._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
                )
        last_mark = (
            AttributionDirty.objects.order_by("-id").values_list("id", flat=True).first() or 0
        )
        AttributionCredit.objects.all().delete()
        after = 0
        while True:
            page = list(
                Opportunity.objects.filter(
                    stage=OpportunityStage.WON, closed_at__isnull=False, id__gt=after
                )
                .order_by("id")
                .values(*_FIELDS)[:chunk]
            )
            if not page:
                break
            rows = _credit_rows(page)
            AttributionCredit.objects.bulk_create(rows, batch_size=5000)
            opportunities += len(page)
            written += len(rows)
            after = page[-1]["id"]
        AttributionDirty.objects.filter(id__lte=last_mark).delete()
    return RebuildResult(opportunities, written, time.monotonic() - began)
