"""KPI benchmark: generate N leads of history, time the full recompute and the selectors.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench \\
        .venv/bin/python bench/kpis.py --leads 100000

The history is written with bulk inserts straight into the source tables (leads, events,
handoffs, opportunities, costs; the workflow services would take far longer for 100k
leads); the rollups are then built by the real full recompute, and one move through the
workflow service measures the incremental refresh. Use a database of its own: --reset
empties the source and rollup tables first.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from handoff import services as flow  # noqa: E402
from handoff.models import Handoff, LeadEvent, RejectionReason  # noqa: E402
from leads.models import (  # noqa: E402
    Campaign,
    CampaignCost,
    Channel,
    Lead,
    Opportunity,
    SalesCost,
)
from metrics import refresh, selectors  # noqa: E402
from metrics.models import DirtyCell  # noqa: E402

User = get_user_model()
BATCH = 5000


def reset() -> None:
    for model in (LeadEvent, Handoff, Opportunity, Lead, CampaignCost, SalesCost):
        model.objects.all().delete()
    DirtyCell.objects.all().delete()


def generate(n_leads: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    first = now - dt.timedelta(days=730)
    manager, _ = User.objects.get_or_create(username="bench-manager")
    manager.groups.add(Group.objects.get(name="manager"))
    reps = []
    for i in range(12):
        user, _ = User.objects.get_or_create(username=f"bench-rep{i}")
        user.groups.add(Group.objects.get(name="sales"))
        reps.append(user)
    campaigns = [
        Campaign.objects.get_or_create(
            name=f"bench {i}",
            defaults={
                "channel": Channel.values[i % len(Channel.values)],
                "start_date": first.date(),
            },
        )[0]
        for i in range(40)
    ]
    costs = [
        CampaignCost(
            campaign=c, date=first.date() + dt.timedelta(days=d), amount=rng.randint(10, 900)
        )
        for c in campaigns
        for d in range(730)
        if rng.random() < 0.7
    ]
    CampaignCost.objects.bulk_create(costs, batch_size=BATCH)
    SalesCost.objects.bulk_create(
        [
            SalesCost(date=first.date() + dt.timedelta(days=30 * m), amount=Decimal(50000))
            for m in range(24)
        ]
    )
    span = (now - first).total_seconds() - 90 * 86400
    leads = [
        Lead(
            email=f"bench{i}@example.com",
            campaign=rng.choice(campaigns) if rng.random() < 0.85 else None,
            created_at=first + dt.timedelta(seconds=rng.random() * span),
            score=rng.randint(0, 100),
        )
        for i in range(n_leads)
    ]
    Lead.objects.bulk_create(leads, batch_size=BATCH)
    events, handoffs, opportunities = [], [], []
    for lead in leads:
        events.append(LeadEvent(lead=lead, action="created", to_status="new", at=lead.created_at))
        if rng.random() > 0.6:
            continue
        t = lead.created_at + dt.timedelta(hours=rng.uniform(1, 200))
        events.append(
            LeadEvent(lead=lead, action="qualify", from_status="new", to_status="mql", at=t)
        )
        lead.status = "mql"
        if rng.random() > 0.7:
            continue
        t += dt.timedelta(hours=rng.uniform(0.5, 48))
        rep = rng.choice(reps)
        h = Handoff(lead=lead, assignee=rep, handed_off_at=t, sla_due_at=t + dt.timedelta(hours=24))
        lead.owner, lead.status = rep, "handed_off"
        events.append(
            LeadEvent(lead=lead, action="handoff", from_status="mql", to_status="handed_off", at=t)
        )
        handoffs.append(h)
        if rng.random() < 0.1:
            continue  # pending
        t += dt.timedelta(hours=rng.expovariate(1 / 12))
        h.responded_at = h.closed_at = t
        h.rating = rng.choice([None, 1, 2, 3, 4, 5])
        if rng.random() < 0.3:
            h.outcome, h.reason = "rejected", rng.choice(RejectionReason.values[:-1])
            lead.status = "rejected"
            events.append(
                LeadEvent(
                    lead=lead, action="reject", from_status="handed_off", to_status="rejected", at=t
                )
            )
            continue
        h.outcome, lead.status = "accepted", "accepted"
        events.append(
            LeadEvent(
                lead=lead, action="accept", from_status="handed_off", to_status="accepted", at=t
            )
        )
        if rng.random() > 0.5:
            continue
        t += dt.timedelta(days=rng.uniform(0.1, 10))
        o = Opportunity(
            lead=lead, name="deal", amount=rng.randint(1000, 90000), owner=rep, created_at=t
        )
        lead.status = "converted"
        events.append(
            LeadEvent(
                lead=lead, action="convert", from_status="accepted", to_status="converted", at=t
            )
        )
        roll = rng.random()
        if roll < 0.8:
            o.closed_at = t + dt.timedelta(days=rng.uniform(1, 80))
            if o.closed_at > now:
                o.closed_at = None
            elif roll < 0.5:
                o.stage = "won"
            else:
                o.stage, o.lost_reason = "lost", "price"
        opportunities.append(o)
    Lead.objects.bulk_update(leads, ["status", "owner"], batch_size=BATCH)
    Handoff.objects.bulk_create(handoffs, batch_size=BATCH)
    Opportunity.objects.bulk_create(opportunities, batch_size=BATCH)
    LeadEvent.objects.bulk_create(events, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"generated {n_leads} leads, {len(events)} events, {len(handoffs)} handoffs, "
        f"{len(opportunities)} opportunities, {len(costs)} cost entries"
    )


def timed(label: str, fn, runs: int = 20) -> None:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    print(f"{label:<48} median {statistics.median(samples):7.2f} ms   max {max(samples):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    parser.add_argument("--skip-generate", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; figures mean little", file=sys.stderr)
    call_command("migrate", verbosity=0)
    if args.reset:
        reset()
    if not args.skip_generate:
        began = time.perf_counter()
        generate(args.leads)
        print(f"generation took {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    refresh.recompute_all()
    print(f"full recompute: {time.perf_counter() - began:.2f} s")

    today = timezone.localdate()
    year = (today - dt.timedelta(days=365), today)
    two_years = (today - dt.timedelta(days=730), today)
    campaign = Campaign.objects.filter(name="bench 0").values_list("pk", flat=True).first()
    owner = User.objects.filter(username="bench-rep0").values_list("pk", flat=True).first()
    timed("summary, 1 year", lambda: selectors.kpi_summary(start=year[0], end=year[1]))
    timed("summary, 2 years", lambda: selectors.kpi_summary(start=two_years[0], end=two_years[1]))
    timed(
        "summary, 1 year, campaign",
        lambda: selectors.kpi_summary(start=year[0], end=year[1], campaign=campaign),
    )
    timed(
        "summary, 1 year, channel",
        lambda: selectors.kpi_summary(start=year[0], end=year[1], channel="email"),
    )
    timed(
        "summary, 1 year, owner",
        lambda: selectors.kpi_summary(start=year[0], end=year[1], owner=owner),
    )
    for interval in ("day", "week", "month"):
        timed(
            f"timeseries cac by {interval}, 1 year",
            lambda interval=interval: selectors.kpi_timeseries(
                metric="cac", interval=interval, start=year[0], end=year[1]
            ),
        )
    for by in ("campaign", "channel", "owner"):
        timed(
            f"breakdown by {by}, 1 year",
            lambda by=by: selectors.kpi_breakdown(by=by, start=year[0], end=year[1]),
        )

    # One move through the workflow service, then the incremental refresh of its cells.
    manager = User.objects.get(username="bench-manager")
    rep = User.objects.get(username="bench-rep0")
    lead = flow.lead_capture(actor=manager, email=f"move{time.time_ns()}@example.com")
    flow.lead_qualify(lead_id=lead.pk, actor=manager)
    refresh.refresh_dirty()
    began = time.perf_counter()
    flow.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=rep.pk)
    move = time.perf_counter() - began
    began = time.perf_counter()
    cells = refresh.refresh_dirty()
    print(
        f"one handoff through the service (marks cells): {move * 1000:.1f} ms; "
        f"incremental refresh of its {cells} cells: {(time.perf_counter() - began) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
