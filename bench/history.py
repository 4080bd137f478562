"""The generated history of bench/generate.py: leads, their events, handoffs, opportunities
and touches, drawn deterministically from a seed and written through bench.copying.
Imported after django.setup()."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

from django.apps import apps

from bench.copying import DAY, DAYS, HOUR, SLA_HOURS, Copier, _ts, next_id, table_columns
from bench.words import COMPANY_HEADS, COMPANY_TAILS, COUNTRIES, FIRST_NAMES, JOB_TITLES, LAST_NAMES
from handoff.models import Handoff, LeadEvent, RejectionReason
from leads.models import (
    Lead,
    LossReason,
    Opportunity,
    WinReason,
)


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
