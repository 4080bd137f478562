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
import io
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable, Iterable, Sequence
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
from django.db import connection, models  # noqa: E402

from bench.words import COMPANY_HEADS, COMPANY_TAILS, COUNTRIES, FIRST_NAMES, JOB_TITLES, LAST_NAMES  # noqa: E402
from handoff.models import Handoff, LeadEvent, RejectionReason  # noqa: E402
from leads.models import (  # noqa: E402
    Campaign,
    CampaignCost,
    Channel,
    Lead,
    LossReason,
    Opportunity,
    SalesCost,
    WinReason,
)

User = get_user_model()
PASSWORD = "bench-pass"
REPS = 20
CAMPAIGNS = 200
DAYS = 730
CHUNK = 25_000
HOUR = 3600.0
DAY = 86400.0
SLA_HOURS = 24


# --------------------------------------------------------------------------- COPY plumbing


def _text(value: Any) -> str:
    """One value in COPY text format (our values never hold tabs, newlines or backslashes)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


def table_columns(table: str) -> dict[str, bool | None]:
    """{column: nullable} of a table, in order ({} when the table does not exist); None for
    a column the database fills itself (identity or a default)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, CASE WHEN is_identity = 'YES' OR column_default IS NOT NULL "
            "THEN NULL ELSE is_nullable = 'YES' END FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return dict(cursor.fetchall())


class Copier:
    """COPY rows of one table: our columns in a fixed order, plus every other column of
    the table filled with its model default (or NULL), so new fields do not break it."""

    def __init__(self, model: type[models.Model] | None, table: str, columns: Sequence[str]):
        existing = table_columns(table)
        missing = [c for c in columns if c not in existing]
        if missing:
            raise SystemExit(f"{table}: columns {missing} are gone; update bench/generate.py")
        extra_cols, extra_vals = [], []
        fields = {f.column: f for f in model._meta.concrete_fields} if model else {}
        for column, nullable in existing.items():
            if column in columns or nullable is None:
                continue
            field = fields.get(column)
            if field is not None and field.has_default():
                value = field.get_db_prep_save(field.get_default(), connection)
                extra_vals.append(_text(value.adapted if hasattr(value, "adapted") else value))
            elif nullable:
                extra_vals.append(r"\N")
            elif field is not None and not field.null:
                value = field.get_db_prep_save(field.get_default(), connection)
                extra_vals.append(_text("" if value is None else value))
            else:
                raise SystemExit(f"{table}.{column} is NOT NULL without a default")
            extra_cols.append(column)
        self.table = table
        self.columns = list(columns) + extra_cols
        self.suffix = "".join("\t" + v for v in extra_vals)
        self.buffer = io.StringIO()
        self.rows = 0
        self.total = 0

    def add(self, values: Iterable[Any]) -> None:
        self.buffer.write("\t".join([_text(v) for v in values]) + self.suffix + "\n")
        self.rows += 1

    def flush(self, cursor: Any) -> None:
        if not self.rows:
            return
        self.buffer.seek(0)
        cursor.copy_expert(
            f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer, size=1 << 20
        )
        self.total += self.rows
        self.buffer = io.StringIO()
        self.rows = 0


def _ts(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


# --------------------------------------------------------------------------- people and campaigns


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


def _day_seconds(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).timestamp()


# --------------------------------------------------------------------------- the history


LEAD_COLUMNS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "company",
    "job_title",
    "phone",
    "country",
    "external_id",
    "campaign_id",
    "score",
    "status",
    "owner_id",
    "created_at",
    "updated_at",
    "first_mql_at",
    "first_handed_off_at",
    "first_accepted_at",
    "converted_at",
]
EVENT_COLUMNS = [
    "id",
    "lead_id",
    "actor_id",
    "action",
    "from_status",
    "to_status",
    "at",
    "recorded_at",
    "data",
    "handoff_id",
    "opportunity_id",
]
HANDOFF_COLUMNS = [
    "id",
    "lead_id",
    "assignee_id",
    "handed_off_by_id",
    "handed_off_at",
    "sla_due_at",
    "responded_at",
    "closed_at",
    "outcome",
    "reason",
    "rating",
    "feedback",
    "assignment",
    "sla_remind_at",
    "sla_policy_id",
    "reminded_at",
    "breached_at",
]
OPPORTUNITY_COLUMNS = [
    "id",
    "lead_id",
    "name",
    "amount",
    "stage",
    "expected_close_date",
    "owner_id",
    "created_at",
    "closed_at",
    "lost_reason",
    "won_reason",
    "close_note",
    "updated_at",
]

REASONS = list(RejectionReason.values)
REASON_WEIGHTS = [22, 16, 10, 12, 12, 8, 6, 6, 4, 4]
LOSS = LossReason.values
WIN = ["", *WinReason.values]


class History:
    """Writes the leads and everything their moves produced, chunk by chunk."""

    def __init__(
        self,
        rng: random.Random,
        now: float,
        camps: list[tuple],
        marketer_id: int,
        manager_id: int,
        rep_ids: list[int],
    ):
        self.rng = rng
        self.now = now
        self.camps = camps
        self.weights = [end - start for _, start, end in camps]
        self.cum = list(_accumulate(self.weights))
        self.marketer = marketer_id
        self.manager = manager_id
        self.reps = rep_ids
        # Reps are not equally busy: the first ones get more handoffs (a deep inbox).
        self.rep_cum = list(_accumulate([2.5 if i < 2 else 1.0 for i in range(len(rep_ids))]))
        self.leads = Copier(Lead, "leads_lead", LEAD_COLUMNS)
        self.events = Copier(LeadEvent, "handoff_leadevent", EVENT_COLUMNS)
        self.handoffs = Copier(Handoff, "handoff_handoff", HANDOFF_COLUMNS)
        self.opps = Copier(Opportunity, "leads_opportunity", OPPORTUNITY_COLUMNS)
        self.touch = _touch_copier()
        self.lead_id = next_id("leads_lead")
        self.event_id = next_id("handoff_leadevent")
        self.handoff_id = next_id("handoff_handoff")
        self.opp_id = next_id("leads_opportunity")
        self.first = now - DAYS * DAY

    def copiers(self) -> list[Copier]:
        # Parents before children (leads, then handoffs and opportunities, then events).
        found = [self.leads, self.handoffs, self.opps, self.events]
        return found + ([self.touch] if self.touch else [])

    def event(self, lead, actor, action, frm, to, at, data=None, handoff=None, opp=None):
        stamp = _ts(at)
        self.last_move = max(self.last_move, at)
        self.events.add(
            (self.event_id, lead, actor, action, frm, to, stamp, stamp, data or {}, handoff, opp)
        )
        self.event_id += 1

    def pick_rep(self, exclude: int | None = None) -> int:
        while True:
            rep = self.reps[_bisect(self.rep_cum, self.rng.random() * self.rep_cum[-1])]
            if rep != exclude:
                return rep

    def one_lead(self) -> None:
        rng, now = self.rng, self.now
        lid = self.lead_id
        self.lead_id += 1
        if rng.random() < 0.9:
            index = _bisect(self.cum, rng.random() * self.cum[-1])
            campaign, start, end = self.camps[index]
            created = rng.uniform(start, min(end, now - HOUR))
        else:
            index, campaign = None, None
            created = rng.uniform(self.first, now - HOUR)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        head, tail = rng.choice(COMPANY_HEADS), rng.choice(COMPANY_TAILS)
        company = f"{head} {tail}"
        domain = f"{head}{tail}".lower() + rng.choice((".com", ".com", ".io", ".net", ".co"))
        email = f"{first}.{last}.{lid}@{domain}".lower()
        score = rng.randint(0, 100)
        status, owner = "new", None
        mql_at = handed_at = accepted_at = converted_at = None
        t = created
        self.event(lid, self.marketer, "created", "", "new", t, {"source": "capture"})
        roll = rng.random()
        if roll < 0.20:
            if rng.random() < 0.25:
                t += rng.uniform(1, 240) * HOUR
                if t < now:
                    self.event(lid, self.marketer, "nurture", "new", "nurture", t)
                    status = "nurture"
            t += rng.uniform(0.5, 120) * HOUR
            if t < now:
                self.event(lid, self.marketer, "qualify", status, "mql", t, {"score": score})
                status, mql_at = "mql", t
                if rng.random() < 0.75:
                    status, owner, handed_at, accepted_at, converted_at = self.handoff(
                        lid, t, campaign
                    )
        elif roll < 0.32:
            t += rng.uniform(1, 240) * HOUR
            if t < now:
                self.event(lid, self.marketer, "nurture", "new", "nurture", t)
                status = "nurture"
        elif roll < 0.36:
            t += rng.uniform(1, 120) * HOUR
            if t < now:
                self.event(lid, self.marketer, "disqualify", "new", "disqualified", t, {})
                status = "disqualified"
        self.leads.add(
            (
                lid,
                email,
                first,
                last,
                company,
                rng.choice(JOB_TITLES),
                f"+1 555 {lid % 10_000_000:07d}",
                rng.choice(COUNTRIES),
                None,
                campaign,
                score,
                status,
                owner,
                _ts(created),
                _ts(self.last_move),
                _ts(mql_at) if mql_at else None,
                _ts(handed_at) if handed_at else None,
                _ts(accepted_at) if accepted_at else None,
                _ts(converted_at) if converted_at else None,
            )
        )
        if self.touch is not None:
            self.add_touches(lid, campaign, index, created)

    def open_handoff(self, lid: int, rep: int, at: float) -> tuple[int, float]:
        hid = self.handoff_id
        self.handoff_id += 1
        return hid, at + SLA_HOURS * HOUR

    def write_handoff(self, hid, lid, rep, at, due, responded, closed, outcome, reason="",
                      rating=None, feedback="") -> None:  # fmt: skip
        remind = at + 0.75 * SLA_HOURS * HOUR
        answered = responded if responded is not None else (closed or self.now)
        reminded = remind + 60 if answered > remind and remind < self.now else None
        breached = None
        if outcome in ("pending", "accepted", "rejected") and answered > due and due < self.now:
            # The SLA sweep records the breach once, at the due time, with its event.
            breached = due + 120
            self.event(
                lid, None, "sla_breached", self._status_at_breach, self._status_at_breach, due,
                {"assignee": rep, "sla_due_at": _ts(due), "detected_at": _ts(breached)}, hid,
            )  # fmt: skip
        self.handoffs.add(
            (
                hid, lid, rep, self.marketer, _ts(at), _ts(due),
                _ts(responded) if responded else None, _ts(closed) if closed else None,
                outcome, reason, rating, feedback, {"method": "manual", "chosen_by": self.marketer},
                _ts(remind), None, _ts(reminded) if reminded else None,
                _ts(breached) if breached else None,
            )
        )  # fmt: skip

    def handoff(self, lid: int, t: float, campaign: int | None):
        """From mql: handed off (maybe reassigned), then answered or still pending."""
        rng, now = self.rng, self.now
        at = t + rng.uniform(0.2, 72) * HOUR
        if at >= now:
            return "mql", None, None, None, None
        rep = self.pick_rep()
        hid, due = self.open_handoff(lid, rep, at)
        self.event(lid, self.marketer, "handoff", "mql", "handed_off", at,
                   {"assignee": rep, "assignment": {"method": "manual",
                                                    "chosen_by": self.marketer}}, hid)  # fmt: skip
        handed_at = at
        self._status_at_breach = "handed_off"
        if rng.random() < 0.08:
            moved = at + rng.uniform(2, 30) * HOUR
            if moved < now:
                new_rep = self.pick_rep(exclude=rep)
                self.write_handoff(hid, lid, rep, at, due, None, moved, "reassigned")
                hid, due = self.open_handoff(lid, new_rep, moved)
                self.event(lid, self.manager, "reassign", "handed_off", "handed_off", moved,
                           {"from_assignee": rep, "assignee": new_rep,
                            "assignment": {"method": "manual", "chosen_by": self.manager}},
                           hid)  # fmt: skip
                rep, at = new_rep, moved
        roll = rng.random()
        answer = at + rng.expovariate(1 / 14) * HOUR
        if roll < 0.08 or answer >= now:
            self.write_handoff(hid, lid, rep, at, due, None, None, "pending")
            return "handed_off", rep, handed_at, None, None
        rating = rng.choice((None, None, 1, 2, 3, 4, 4, 5, 5))
        if roll < 0.68:  # 8% stale pending, 60% accepted, 32% rejected
            self.write_handoff(hid, lid, rep, at, due, answer, answer, "accepted", "", rating)
            self.event(lid, rep, "accept", "handed_off", "accepted", answer,
                       {"rating": rating, "feedback": ""}, hid)  # fmt: skip
            status, converted_at = self.maybe_convert(lid, rep, answer)
            return status, rep, handed_at, answer, converted_at
        reason = REASONS[_bisect(list(_accumulate(REASON_WEIGHTS)), rng.random() * 100)]
        feedback = "Not for us right now" if reason == "other" else ""
        self.write_handoff(hid, lid, rep, at, due, answer, answer, "rejected", reason, rating,
                           feedback)  # fmt: skip
        self.event(lid, rep, "reject", "handed_off", "rejected", answer,
                   {"reason": reason, "rating": rating, "feedback": feedback}, hid)  # fmt: skip
        status = "rejected"
        if rng.random() < 0.3:
            t = answer + rng.uniform(1, 30) * DAY
            if t < now:
                self.event(lid, self.marketer, "recycle", "rejected", "nurture", t)
                status = "nurture"
                if rng.random() < 0.35:
                    t += rng.uniform(5, 60) * DAY
                    if t < now:
                        self.event(lid, self.marketer, "qualify", "nurture", "mql", t, {})
                        status = "mql"
        return status, rep, handed_at, None, None

    def maybe_convert(self, lid: int, rep: int, accepted: float) -> tuple[str, float | None]:
        rng, now = self.rng, self.now
        if rng.random() >= 0.40:
            return "accepted", None
        created = accepted + rng.uniform(0.5, 20) * DAY
        if created >= now:
            return "accepted", None
        oid = self.opp_id
        self.opp_id += 1
        amount = rng.randint(20, 1800) * 50
        name = f"Deal {lid}"
        self.event(lid, rep, "convert", "accepted", "converted", created,
                   {"amount": f"{amount:.2f}", "name": name}, None, oid)  # fmt: skip
        roll = rng.random()
        closes = created + rng.uniform(5, 120) * DAY
        stage = rng.choice(("qualification", "proposal", "negotiation"))
        closed, lost, won, note = None, "", "", ""
        if roll < 0.80 and closes < now:
            closed = closes
            if roll < 0.30:
                stage, won = "won", rng.choice(WIN)
                self.event(lid, rep, "won", "converted", "converted", closed,
                           {"from_stage": "negotiation", "amount": f"{amount:.2f}",
                            "reason": won, "note": ""}, None, oid)  # fmt: skip
            else:
                stage, lost = "lost", rng.choice(LOSS)
                note = "Went another way" if lost == "other" else ""
                self.event(lid, rep, "lost", "converted", "converted", closed,
                           {"from_stage": "proposal", "reason": lost, "note": note},
                           None, oid)  # fmt: skip
        expected = dt.datetime.fromtimestamp(closes, dt.UTC).date()
        self.opps.add(
            (oid, lid, name, f"{amount:.2f}", stage, expected, rep, _ts(created),
             _ts(closed) if closed else None, lost, won, note,
             _ts(closed or created))
        )  # fmt: skip
        return "converted", created

    def add_touches(self, lid: int, campaign: int | None, index: int | None, created: float):
        assert self.touch is not None
        if campaign is not None:
            self.touch.add(self.touch_values(lid, campaign, "capture", created))
        if self.rng.random() < 0.10:
            other = self.camps[self.rng.randrange(len(self.camps))][0]
            if other != campaign:
                at = min(created + self.rng.uniform(1, 30) * DAY, self.now - 60)
                self.touch.add(self.touch_values(lid, other, self.touch.other_kind, at))

    def touch_values(self, lid: int, campaign: int, kind: str, at: float) -> list[Any]:
        assert self.touch is not None
        values = {"lead_id": lid, "campaign_id": campaign}
        return [values.get(c, kind if c in TOUCH_KINDS else _ts(at)) for c in self.touch.mine]


TOUCH_KINDS = ("kind", "source", "type", "touch_type", "action", "channel_kind")
TOUCH_TIMES = ("at", "touched_at", "occurred_at", "created_at", "recorded_at")


def _touch_copier() -> Copier | None:
    """`leads_touch` when main has it: lead, campaign, its times and its kind column."""
    columns = table_columns("leads_touch")
    if not columns:
        return None
    mine = [c for c in columns if c in ("lead_id", "campaign_id", *TOUCH_KINDS, *TOUCH_TIMES)]
    try:
        model = apps.get_model("leads", "Touch")
    except LookupError:
        model = None
    copier = Copier(model, "leads_touch", mine)
    copier.mine = mine
    # Another meeting than the capture: a web form when the kind choices have one.
    kinds = [c for c, _ in (model._meta.get_field("kind").choices or [])] if model else []
    copier.other_kind = "form" if "form" in kinds or not kinds else kinds[-1]
    return copier


def _accumulate(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _bisect(cumulative: list[float], x: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


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
