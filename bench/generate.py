"""Build a history of N leads with COPY, deterministic for a seed, then the KPI rollups.

    createdb -h 127.0.0.1 -U postgres crm_bench_1m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_1m \\
        .venv/bin/python bench/generate.py --leads 1000000 --seed 7

Shape (bench/README.md): 200 campaigns over 24 months with a spend row per active day,
monthly sales costs spread over their month, 20 sales reps, a marketer and a manager
(`bench-rep0`..`bench-rep19`, `bench-marketer`, `bench-manager`, password `bench-pass`).
About 20% of the leads become MQLs (some after nurture), 15% are handed off, 60% of the
handoffs are accepted, the rest rejected with a reason or still pending (a stale backlog
breaches its SLA), 40% of the accepted convert, about 25% of the opportunities are won and
about half lost with a reason. Some rejected leads are recycled and qualified again (MQL
repeats), some handoffs reassigned, some leads disqualified. Every row is what the workflow
services would have written: one LeadEvent per move (handoff / opportunity linked), the
`first_*` stamps, one pending handoff per lead at most, the owner of a handed-off lead.

Rows are written with `COPY ... FROM STDIN` in chunks (memory stays flat), the identity
sequences are reset afterwards, then `manage.py recompute_kpis` builds the rollups (the
product's own full recompute). The same --seed and --anchor (default: today, UTC) give
the same rows. It refuses a database that already has leads or campaigns unless --reset
(which TRUNCATEs the source and rollup tables, CASCADE).

If a table `leads_touch` exists, every lead gets its `capture` touch on its campaign and
about 10% one more touch on another campaign (columns introspected).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from leads.models import (  # noqa: E402
    Campaign,
    CampaignCost,
    Channel,
    Lead,
    SalesCost,
)

User = get_user_model()

from bench.copying import (  # noqa: E402
    BULK_TABLES,
    CAMPAIGNS,
    CHUNK,
    DAY,
    DAYS,
    PASSWORD,
    REPS,
    Copier,
    _ts,
    create_indexes,
    drop_indexes,
    reset_sequences,
    table_columns,
)
from bench.history import History, _day_seconds  # noqa: E402


def _user(username: str, group: str, password_hash: str) -> Any:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": username.split("-")[-1].title(), "email": f"{username}@bench.test"},
    )
    if created:
        user.password = password_hash
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=group))
    return user


def team() -> tuple[Any, Any, list[Any]]:
    password_hash = make_password(PASSWORD)
    manager = _user("bench-manager", "manager", password_hash)
    marketer = _user("bench-marketer", "marketing", password_hash)
    reps = [_user(f"bench-rep{i}", "sales", password_hash) for i in range(REPS)]
    return manager, marketer, reps


def campaigns(rng: random.Random, anchor: dt.date, marketer: Any, cursor: Any) -> list[tuple]:
    """200 campaigns over the 24 months (name, channel, dates), with their daily spend;
    returns (id, start seconds, end seconds) of each."""
    first = anchor - dt.timedelta(days=DAYS)
    channels = Channel.values
    existing = {c.name: c for c in Campaign.objects.filter(name__startswith="Bench ")}
    result = []
    costs = Copier(
        CampaignCost, "leads_campaigncost", ("campaign_id", "date", "amount", "note", "created_at")
    )
    for i in range(CAMPAIGNS):
        channel = channels[i % len(channels)]
        start = first + dt.timedelta(days=rng.randint(0, DAYS - 60))
        end = start + dt.timedelta(days=rng.randint(30, 365))
        open_ended = end >= anchor
        end = min(end, anchor - dt.timedelta(days=1))
        name = f"Bench {Channel(channel).label} {i + 1:03d}"
        campaign = existing.get(name)
        if campaign is None:
            campaign = Campaign.objects.create(
                name=name,
                channel=channel,
                status=Campaign.Status.ACTIVE if open_ended else Campaign.Status.COMPLETED,
                start_date=start,
                end_date=None if open_ended else end,
                budget=rng.randint(20, 400) * 1000,
                owner=marketer,
                utm_source=channel,
                utm_medium="cpc" if channel.startswith("paid") else channel,
                utm_campaign=f"bench-{i + 1:03d}",
            )
            daily = rng.uniform(50, 1500)
            day = start
            while day <= end:
                amount = round(daily * rng.uniform(0.5, 1.5), 2)
                costs.add((campaign.pk, day, f"{amount:.2f}", "", _ts(_day_seconds(day) + 3600)))
                day += dt.timedelta(days=1)
        result.append((campaign.pk, _day_seconds(start), _day_seconds(end) + DAY - 1))
    costs.flush(cursor)
    if not SalesCost.objects.filter(note="bench").exists():
        month = first.replace(day=1)
        sales = Copier(
            SalesCost, "leads_salescost", ("date", "end_date", "amount", "note", "created_at")
        )
        while month < anchor:
            nxt = (month + dt.timedelta(days=32)).replace(day=1)
            amount = rng.randint(40_000, 60_000)
            sales.add(
                (month, nxt - dt.timedelta(days=1), amount, "bench", _ts(_day_seconds(month)))
            )
            month = nxt
        sales.flush(cursor)
    print(f"  {len(result)} campaigns, {costs.total} campaign cost rows")
    return result


# --------------------------------------------------------------------------- entry points


SOURCE_TABLES = [
    "handoff_leadevent",
    "handoff_handoff",
    "leads_opportunity",
    "leads_lead",
    "leads_campaigncost",
    "leads_salescost",
    "leads_campaign",
]


def rollup_tables() -> list[str]:
    return [m._meta.db_table for m in apps.get_app_config("metrics").get_models()
            if m.__name__ in ("CampaignDay", "OwnerDay", "MqlRepeat", "SalesCostDay",
                              "DirtyCell", "CellFailure")]  # fmt: skip


def reset() -> None:
    tables = SOURCE_TABLES + rollup_tables()
    if table_columns("leads_touch"):
        tables.append("leads_touch")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def is_empty() -> bool:
    return not (Lead.objects.exists() or Campaign.objects.exists())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    n_leads: int,
    seed: int = 7,
    *,
    anchor: dt.date | None = None,
    recompute: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Append n_leads leads of history (ids after the current ones); return phase times."""
    anchor = anchor or dt.datetime.now(dt.UTC).date()
    rng = random.Random(seed)
    phases: dict[str, float] = {}
    began = time.perf_counter()
    manager, marketer, reps = team()
    # Into empty tables, the indexes are built after the COPY (appending keeps them).
    indexes = drop_indexes(BULK_TABLES) if not Lead.objects.exists() else []
    try:
        with connection.cursor() as cursor:
            camps = campaigns(rng, anchor, marketer, cursor)
            phases["team and campaigns"] = time.perf_counter() - began
            began = time.perf_counter()
            history = History(
                rng, _day_seconds(anchor), camps, marketer.pk, manager.pk, [r.pk for r in reps]
            )
            history.last_move = 0.0
            for done in range(0, n_leads, CHUNK):
                for _ in range(min(CHUNK, n_leads - done)):
                    history.last_move = 0.0
                    history.one_lead()
                for copier in history.copiers():
                    copier.flush(cursor)
                if (done // CHUNK) % 8 == 7:
                    log(f"  {done + CHUNK:,} leads ({time.perf_counter() - began:.0f} s)")
            phases["COPY history"] = time.perf_counter() - began
    finally:  # a failed run leaves the indexes in place too
        began_indexes = time.perf_counter()
        create_indexes(indexes)
        phases["indexes"] = time.perf_counter() - began_indexes
    began = time.perf_counter()
    reset_sequences(SOURCE_TABLES + (["leads_touch"] if history.touch else []))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    phases["sequences and ANALYZE"] = time.perf_counter() - began
    log(
        f"  {history.leads.total:,} leads, {history.events.total:,} events, "
        f"{history.handoffs.total:,} handoffs, {history.opps.total:,} opportunities"
        + (f", {history.touch.total:,} touches" if history.touch else "")
    )
    if recompute:
        began = time.perf_counter()
        call_command("recompute_kpis", stdout=sys.stdout)
        phases["full KPI recompute (recompute_kpis)"] = time.perf_counter() - began
    return phases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor", type=dt.date.fromisoformat, default=None,
                        help="the history ends the day before (default: today, UTC)")  # fmt: skip
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    parser.add_argument("--no-recompute", action="store_true", help="skip the rollups")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of its own")
    total = time.perf_counter()
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    phases = {"migrate": time.perf_counter() - began}
    if not is_empty():
        if not args.reset:
            raise SystemExit(
                f"{connection.settings_dict['NAME']} already has leads or campaigns: "
                "use --reset to empty it (or another database)"
            )
        began = time.perf_counter()
        reset()
        phases["reset"] = time.perf_counter() - began
    phases.update(generate(args.leads, args.seed, anchor=args.anchor,
                           recompute=not args.no_recompute))  # fmt: skip
    for name, seconds in phases.items():
        print(f"{name:<40} {seconds:8.1f} s")
    print(f"{'total':<40} {time.perf_counter() - total:8.1f} s")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
