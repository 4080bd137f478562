"""Load a year of realistic demo data, all history driven through the workflow service."""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from alignment.demo import seed_alignment
from handoff import services
from handoff.models import (
    AssignmentRule,
    BusinessHours,
    Handoff,
    LeadEvent,
    RejectionReason,
    RepAvailability,
    RotationPointer,
    SLAPolicy,
)
from handoff.sla import sweep
from leads import services as lead_services
from leads.models import Campaign, CampaignCost, Channel, Lead, Opportunity, SalesCost
from metrics.demo_attribution import seed_touches
from notifications.models import Notification
from scoring.demo import seed_scoring

from ._demo_names import COMPANIES, FIRST, LAST

User = get_user_model()

SEED = 20261123
PASSWORD = "demo12345"
DEMO_PREFIX = "demo-"
SALES_COST_NOTE = "Demo: "
URL = "http://127.0.0.1:8000/"

USERS = [
    ("manager", "Morgan", "Reyes", "manager"),
    ("marketer1", "Alex", "Kim", "marketing"),
    ("marketer2", "Priya", "Shah", "marketing"),
    ("marketer3", "Tom", "Becker", "marketing"),
    ("rep1", "Sara", "Lopez", "sales"),
    ("rep2", "Dan", "Okafor", "sales"),
    ("rep3", "Lena", "Fischer", "sales"),
    ("rep4", "Omar", "Haddad", "sales"),
    ("rep5", "Julia", "Martín", "sales"),
    ("rep6", "Ken", "Watanabe", "sales"),
]

# name, channel, start (days ago), length (days), budget, daily spend range or None (weekly)
CAMPAIGNS = [
    ("Google Ads - Brand", Channel.PAID_SEARCH, 365, 365, 40000, (60, 160)),
    ("LinkedIn ABM", Channel.PAID_SOCIAL, 340, 150, 30000, (90, 260)),
    ("Spring Webinar Series", Channel.WEBINAR, 300, 70, 8000, None),
    ("SaaStr Booth", Channel.EVENTS, 270, 30, 25000, None),
    ("Newsletter Nurture", Channel.EMAIL, 250, 250, 6000, None),
    ("SEO Content Hub", Channel.SEO, 230, 230, 12000, None),
    ("Partner Referral Program", Channel.PARTNER, 200, 200, 10000, None),
    ("Outbound SDR Sequences", Channel.OUTBOUND, 170, 170, 15000, None),
    ("Facebook Retargeting", Channel.PAID_SOCIAL, 140, 90, 9000, (40, 120)),
    ("Customer Referral", Channel.REFERRAL, 120, 120, 4000, None),
    ("Ebook: Pipeline Playbook", Channel.CONTENT, 90, 90, 7000, None),
    ("Google Ads - Generic", Channel.PAID_SEARCH, 60, 60, 12000, (80, 220)),
]
# lead quality by channel: (score mean, MQL probability)
QUALITY = {
    Channel.PAID_SEARCH: (55, 0.40),
    Channel.PAID_SOCIAL: (45, 0.33),
    Channel.WEBINAR: (60, 0.45),
    Channel.EVENTS: (65, 0.50),
    Channel.EMAIL: (40, 0.30),
    Channel.SEO: (50, 0.38),
    Channel.PARTNER: (70, 0.55),
    Channel.OUTBOUND: (50, 0.35),
    Channel.REFERRAL: (75, 0.60),
    Channel.CONTENT: (45, 0.32),
}
TITLES = ["CEO", "CTO", "VP Sales", "Head of Marketing", "Ops Manager", "Engineer", "Analyst"]
# The history's real signal (scoring/demo.py trains on it): seniority and channel raise or
# lower the odds of acceptance, conversion and a win (a logit), a fast first answer too.
FIT = {"CEO": 1.0, "CTO": 1.0, "VP Sales": 0.7, "Head of Marketing": 0.7, "Ops Manager": 0.0}
CHANNEL_FIT = {Channel.REFERRAL: 0.8, Channel.PARTNER: 0.6, Channel.EVENTS: 0.4}
CHANNEL_FIT.update({Channel.PAID_SOCIAL: -0.5, Channel.CONTENT: -0.4, Channel.EMAIL: -0.3})


def odds(base: float, fit: float) -> float:
    """A probability from a base probability moved by `fit` on the logit scale."""
    return 1 / (1 + math.exp(-(math.log(base / (1 - base)) + fit)))


COUNTRIES = ["US", "US", "US", "GB", "DE", "ES", "ES", "FR", "MX", "BR", "CA", "NL"]
REJECT_REASONS = [
    (RejectionReason.NOT_A_FIT, 24),
    (RejectionReason.NO_BUDGET, 20),
    (RejectionReason.NO_AUTHORITY, 10),
    (RejectionReason.NO_NEED, 12),
    (RejectionReason.BAD_TIMING, 12),
    (RejectionReason.BAD_CONTACT_DATA, 8),
    (RejectionReason.DUPLICATE, 3),
    (RejectionReason.COMPETITOR, 4),
    (RejectionReason.SPAM, 3),
    (RejectionReason.OTHER, 4),
]
FEEDBACK = {
    "accept": ["Good fit, booked a demo.", "Strong intent.", "Decision maker, clear need."],
    "reject": ["Too small for us.", "Student project.", "Already a customer of a rival."],
    "other": ["Wrong region for our offer.", "Asked only for pricing PDF."],
}
LOST_REASONS = [("competitor", ""), ("budget", ""), ("no_decision", ""), ("other", "In house")]


def print_logins(stdout: Any, url: str = URL) -> None:
    """The demo's address, logins and their password: printed on every run of the demo."""
    stdout.write(f"\nOpen {url}")
    stdout.write(f"Logins (password `{PASSWORD}` for all):")
    stdout.write("  manager            manager (backfill, SLA policy, assignment rules)")
    stdout.write("  marketer1..3       marketing")
    stdout.write("  rep1..6            sales (rep4 is marked away)")


@dataclass
class Stats:
    events: int = 0
    leads: int = 0
    calls: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, events: int = 1) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        self.events += events


class Command(BaseCommand):
    help = "Load deterministic demo data (users, campaigns, costs, ~3,000 leads with history)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete demo data first.")
        parser.add_argument("--leads", type=int, default=3000, help="How many leads (3000).")
        parser.add_argument(
            "--url", default=URL, help=f"The address printed with the logins ({URL})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self._reset()
        if User.objects.filter(username="manager").exists():
            self.stdout.write("Demo data is already loaded (user `manager` exists); nothing done.")
            self.stdout.write("Use --reset to load it again.")
            print_logins(self.stdout, options["url"])
            return
        started = time.perf_counter()
        # History notifies nobody (backfilled); the final sweep's emails stay in memory.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            stats = Seeder(options["leads"], self.stdout).run()
        seed_scoring(self.stdout)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {elapsed:.1f} s: {stats.leads} leads, "
                f"{stats.events} audit events."
            )
        )
        print_logins(self.stdout, options["url"])

    @transaction.atomic
    def _reset(self) -> None:
        usernames = [u[0] for u in USERS]
        leads = Lead.objects.filter(external_id__startswith=DEMO_PREFIX)
        Notification.objects.filter(recipient__username__in=usernames).delete()
        Notification.objects.filter(lead__in=leads).delete()
        # The audit trail is never deleted through the product; wiping demo data is the
        # one exception, done with a queryset delete.
        LeadEvent.objects.filter(lead__in=leads).delete()
        Handoff.objects.filter(lead__in=leads).delete()
        Opportunity.objects.filter(lead__in=leads).delete()
        leads.delete()
        names = [c[0] for c in CAMPAIGNS]
        CampaignCost.objects.filter(campaign__name__in=names).delete()
        Campaign.objects.filter(name__in=names).delete()
        SalesCost.objects.filter(note__startswith=SALES_COST_NOTE).delete()
        AssignmentRule.objects.filter(name__startswith="Demo").delete()
        SLAPolicy.objects.filter(name__startswith="Demo").delete()
        BusinessHours.objects.all().delete()
        RotationPointer.objects.all().update(last_user_id=None, turn=0)
        User.objects.filter(username__in=usernames).delete()
        self.stdout.write("Demo data deleted.")


class Seeder:
    def __init__(self, n_leads: int, stdout: Any) -> None:
        self.rng = random.Random(SEED)
        self.n_leads = n_leads
        self.stdout = stdout
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.stats = Stats()

    def run(self) -> Stats:
        with transaction.atomic():
            self.users = self._users()
            self.manager = self.users["manager"]
            self.reps = [self.users[f"rep{i}"] for i in range(1, 7)]
            self._config()
            self.campaigns = self._campaigns()
            self._costs()
            lead_ids = self._capture()
            for lead_id, plan in lead_ids:
                self._history(lead_id, plan)
            self._present_day()
            self._rollups()
            seed_touches(campaigns=self.campaigns)
            seed_alignment(manager=self.manager, reps=self.reps, today=self.today)
        result = sweep.sla_sweep()
        self.stats.count("sla_sweep", len(result.breached) + len(result.reassigned))
        return self.stats

    def _rollups(self) -> None:
        """Rebuild the KPI rollups in one pass before commit.

        The moves above marked thousands of dirty rollup cells; one full rebuild (about
        2 s) claims them, so the refresh queued on commit finds nothing left to do.
        """
        call_command("recompute_kpis", stdout=self.stdout)

    # ------------------------------------------------------------------ setup

    def _users(self) -> dict[str, Any]:
        users = {}
        groups = {
            g.name: g for g in Group.objects.filter(name__in=["manager", "marketing", "sales"])
        }
        for username, first, last, role in USERS:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@demo.example.com",
                password=PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=role == "manager",
            )
            user.groups.add(groups[role])
            users[username] = user
        return users

    def _config(self) -> None:
        for weekday in range(5):
            BusinessHours.objects.create(weekday=weekday, opens=dt.time(9), closes=dt.time(18))
        SLAPolicy.objects.create(
            name="Demo: hot leads",
            min_score=80,
            max_score=100,
            response_hours=4,
            auto_reassign=True,
            max_auto_reassignments=1,
        )
        SLAPolicy.objects.create(
            name="Demo: warm leads",
            min_score=50,
            max_score=79,
            response_hours=16,
            business_hours=True,
        )
        rule = AssignmentRule.objects.create(name="Demo: Spain", country="ES", priority=10)
        rule.reps.set([self.users["rep5"], self.users["rep6"]])
        events = AssignmentRule.objects.create(
            name="Demo: events team", channel=Channel.EVENTS, priority=20
        )
        events.reps.set([self.users["rep1"], self.users["rep2"]])

    def _campaigns(self) -> list[Campaign]:
        campaigns = []
        for i, (name, channel, start_ago, length, budget, _) in enumerate(CAMPAIGNS):
            start = self.today - dt.timedelta(days=start_ago)
            end = min(start + dt.timedelta(days=length - 1), self.today)
            status = Campaign.Status.ACTIVE if end >= self.today else Campaign.Status.COMPLETED
            campaigns.append(
                lead_services.campaign_create(
                    actor=self.users[f"marketer{i % 3 + 1}"],
                    name=name,
                    channel=channel,
                    status=status,
                    start_date=start,
                    end_date=end,
                    budget=Decimal(budget),
                    utm_source=channel,
                    utm_campaign=name.lower().replace(" ", "-"),
                )
            )
        return campaigns

    def _costs(self) -> None:
        rng = self.rng
        for campaign, (_, channel, _, _, budget, daily) in zip(
            self.campaigns, CAMPAIGNS, strict=True
        ):
            owner = campaign.owner
            day = campaign.start_date
            if channel == Channel.EVENTS:
                for note, share in (("Booth and travel", 0.7), ("Sponsorship", 0.3)):
                    lead_services.campaign_cost_add(
                        campaign_id=campaign.pk,
                        actor=owner,
                        date=day,
                        amount=Decimal(budget * share).quantize(Decimal("1")),
                        note=note,
                    )
                continue
            step = dt.timedelta(days=1 if daily else 7)
            while day <= campaign.end_date:
                if daily:
                    amount = rng.uniform(*daily)
                else:
                    amount = budget / max(1, (campaign.end_date - campaign.start_date).days / 7)
                    amount *= rng.uniform(0.7, 1.3)
                lead_services.campaign_cost_add(
                    campaign_id=campaign.pk,
                    actor=owner,
                    date=day,
                    amount=Decimal(f"{amount:.2f}"),
                    note="Ad spend" if daily else "Weekly spend",
                )
                day += step
        month = self.today.replace(day=1)
        for _ in range(12):
            # Entered once a month, spread over the month's days (kpis.md "Cost entries over
            # a period"), so the 1st does not carry a whole month of salaries.
            month_end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            for note, amount in (("salaries", 42000), ("tools", 2400)):
                lead_services.sales_cost_add(
                    actor=self.manager,
                    date=month,
                    end_date=month_end,
                    amount=(Decimal(amount) * Decimal(f"{rng.uniform(0.95, 1.05):.3f}")).quantize(
                        Decimal("0.01")
                    ),
                    note=f"{SALES_COST_NOTE}sales {note}",
                )
            month = (month - dt.timedelta(days=1)).replace(day=1)

    # ------------------------------------------------------------------ leads

    def _capture(self) -> list[tuple[int, dict[str, Any]]]:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        plans: list[dict[str, Any]] = []
        for i in range(self.n_leads):
            created = self.now - dt.timedelta(seconds=rng.randint(3600, 365 * 86400))
            campaign = self._campaign_at(created.date())
            channel = campaign.channel if campaign else Channel.OTHER
            mean, p_mql = QUALITY.get(channel, (40, 0.25))
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = rng.choice(COMPANIES)
            score = max(0, min(100, int(rng.gauss(mean, 18))))
            title = rng.choice(TITLES)
            rows.append(
                {
                    "email": f"{first}.{last}.{i}@{company.lower()}.example".lower(),
                    "first_name": first,
                    "last_name": last,
                    "company": f"{company} {rng.choice(['Inc', 'Ltd', 'GmbH', 'SA', 'Group'])}",
                    "job_title": title,
                    "country": rng.choice(COUNTRIES),
                    "campaign_id": campaign.pk if campaign else None,
                    "external_id": f"{DEMO_PREFIX}{i:05d}",
                    "score": score,
                    "created_at": created,
                }
            )
            fit = FIT.get(title, -0.8) + CHANNEL_FIT.get(channel, 0.0)
            plans.append({"created": created, "p_mql": p_mql, "score": score, "fit": fit})
        out: list[tuple[int, dict[str, Any]]] = []
        for start in range(0, len(rows), 1000):
            results = services.lead_capture_bulk(
                actor=self.manager, rows=rows[start : start + 1000]
            )
            self.stats.count("lead_capture_bulk", 0)
            for result in results:
                if result.status != "created":
                    raise RuntimeError(f"demo row {start + result.index}: {result}")
                self.stats.events += 1
                self.stats.leads += 1
                out.append((result.lead_id, plans[start + result.index]))
        return out

    def _campaign_at(self, day: dt.date) -> Campaign | None:
        if self.rng.random() < 0.08:
            return None  # unattributed
        live = [c for c in self.campaigns if c.start_date <= day <= (c.end_date or self.today)]
        return self.rng.choice(live) if live else None

    def _history(self, lead_id: int, plan: dict[str, Any]) -> None:
        """Walk one lead through a believable path; stops at the first step in the future."""
        rng = self.rng
        t = plan["created"]
        m = self.manager
        self.fit = plan["fit"]

        def later(lo_hours: float, hi_hours: float) -> dt.datetime | None:
            nonlocal t
            t = t + dt.timedelta(hours=rng.uniform(lo_hours, hi_hours))
            return t if t <= self.now else None

        def move(name: str, **kwargs: Any) -> Any:
            self.stats.count(name)
            return getattr(services, name)(actor=m, **kwargs)

        if rng.random() >= plan["p_mql"]:
            roll = rng.random()
            if roll < 0.35 and (at := later(2, 24 * 14)):
                move("lead_nurture", lead_id=lead_id, at=at)
                if rng.random() < 0.2 and (at := later(24, 24 * 60)):
                    move("lead_disqualify", lead_id=lead_id, at=at, reason="Went cold")
            elif roll < 0.6 and (at := later(2, 24 * 10)):
                move("lead_disqualify", lead_id=lead_id, at=at, reason="Not our market")
            return
        if rng.random() < 0.2 and (at := later(2, 24 * 7)):
            move("lead_nurture", lead_id=lead_id, at=at)
        at = later(4, 24 * 10)
        if not at:
            return
        move("lead_qualify", lead_id=lead_id, at=at)
        for cycle in range(2):
            if rng.random() >= (0.8 if cycle == 0 else 0.5):
                if rng.random() < 0.3 and (at := later(24, 24 * 30)):
                    move("lead_disqualify", lead_id=lead_id, at=at, reason="No response")
                return
            if not self._handoff_and_answer(lead_id, later, move):
                return
            lead = Lead.objects.only("status").get(pk=lead_id)
            if lead.status != "rejected":
                return
            roll = rng.random()
            if roll < 0.3 and (at := later(24, 24 * 20)):
                move("lead_disqualify", lead_id=lead_id, at=at, reason="Rejected by sales")
                return
            if roll < 0.8 and (at := later(24, 24 * 20)):
                move("lead_recycle", lead_id=lead_id, at=at)
                if rng.random() < 0.4 and (at := later(24 * 7, 24 * 60)):
                    move("lead_qualify", lead_id=lead_id, at=at)
                    continue
            return

    def _handoff_and_answer(self, lead_id: int, later: Any, move: Any) -> bool:
        rng = self.rng
        at = later(0.5, 48)
        if not at:
            return False
        lead = move("lead_handoff", lead_id=lead_id, at=at)
        owner_id = lead.owner_id
        if rng.random() < 0.05 and (at := later(1, 10)):
            other = rng.choice([r for r in self.reps if r.pk != owner_id])
            move("lead_reassign", lead_id=lead_id, assignee_id=other.pk, at=at)
        if at is None:
            return False
        if self.now - at < dt.timedelta(days=10) and rng.random() < 0.6:
            return False  # still waiting in the rep's inbox (some overdue: the sweep sees them)
        # ~85% answer within the SLA, the rest late; recent handoffs may still be pending
        self.fast = rng.random() < 0.85
        at = later(0.2, 10) if self.fast else later(30, 90)
        if not at:
            return False
        if rng.random() < odds(0.7, self.fit):
            move(
                "lead_accept",
                lead_id=lead_id,
                at=at,
                rating=rng.choice([3, 4, 4, 5, 5, None]),
                feedback=rng.choice(FEEDBACK["accept"]) if rng.random() < 0.4 else "",
            )
            if rng.random() < 0.05 and (at := later(24, 24 * 10)):
                self._reject(lead_id, at, move)
                return True
            if rng.random() < odds(0.3, self.fit) and (at := later(24, 24 * 14)):
                self._opportunity(lead_id, at, later, move)
            return True
        self._reject(lead_id, at, move)
        return True

    def _reject(self, lead_id: int, at: dt.datetime, move: Any) -> None:
        rng = self.rng
        reasons, weights = zip(*REJECT_REASONS, strict=True)
        reason = rng.choices(reasons, weights)[0]
        feedback = ""
        if reason == RejectionReason.OTHER:
            feedback = rng.choice(FEEDBACK["other"])
        elif rng.random() < 0.35:
            feedback = rng.choice(FEEDBACK["reject"])
        move(
            "lead_reject",
            lead_id=lead_id,
            at=at,
            reason=reason,
            rating=rng.choice([1, 2, 2, 3, None]),
            feedback=feedback,
        )

    def _opportunity(self, lead_id: int, at: dt.datetime, later: Any, move: Any) -> None:
        rng = self.rng
        opp = move(
            "lead_convert",
            lead_id=lead_id,
            at=at,
            amount=Decimal(rng.randrange(5000, 80000, 500)),
            expected_close_date=(at + dt.timedelta(days=rng.randint(20, 90))).date(),
        )
        for stage in ("proposal", "negotiation"):
            if rng.random() < 0.7 and (at := later(24 * 3, 24 * 20)):
                move("opportunity_update", opportunity_id=opp.pk, stage=stage, at=at)
            else:
                break
        roll = rng.random()
        won = odds(0.32, self.fit + (0.5 if self.fast else -1.0))
        if roll < won and (at := later(24 * 5, 24 * 40)):
            amount = opp.amount * Decimal(f"{rng.uniform(0.8, 1.1):.2f}")
            move(
                "opportunity_win",
                opportunity_id=opp.pk,
                at=at,
                amount=amount.quantize(Decimal("1")),
            )
        elif roll < won + 0.38 and (at := later(24 * 5, 24 * 40)):
            why, note = rng.choice(LOST_REASONS)  # a loss code, and the words `other` needs
            move("opportunity_lose", opportunity_id=opp.pk, at=at, reason=why, note=note)

    def _present_day(self) -> None:
        """Today's live moves by their real actors (these notify), then rep4 goes away."""
        marketer = self.users["marketer1"]
        fresh = list(
            Lead.objects.filter(external_id__startswith=DEMO_PREFIX, status="new")
            .order_by("-created_at")
            .values_list("pk", flat=True)[:4]
        )
        for lead_id in fresh:
            services.lead_qualify(lead_id=lead_id, actor=marketer)
            services.lead_handoff(lead_id=lead_id, actor=marketer)
            self.stats.count("lead_qualify")
            self.stats.count("lead_handoff")
        RepAvailability.objects.create(user=self.users["rep4"], away=True)
        RepAvailability.objects.create(user=self.users["rep6"], max_open_leads=40)
