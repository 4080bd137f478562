"""A handed-off history with a known structure, written with bulk_create.

Each lead's odds of a win follow a known logistic function of what is known at handoff:
seniority (from the job title), source channel, company domain versus a free mailbox and
days from capture to MQL. Every lead is handed off once and its fate is known: won or lost
(an opportunity), or rejected / disqualified.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from leads.models import (
    Campaign,
    Channel,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityStage,
    Touch,
    TouchKind,
)

TITLES = {
    "c_level": ("CEO", "Chief Marketing Officer", "Founder"),
    "vp": ("VP Sales", "Head of Growth"),
    "director": ("Director of IT", "Marketing Director"),
    "manager": ("Sales Manager", "Team Lead"),
    "individual": ("Analyst", "Software Engineer", "Marketing Specialist"),
    "unknown": ("", "Mystery"),
}
SENIORITY_LOGIT = {
    "c_level": 1.6,
    "vp": 1.2,
    "director": 0.8,
    "manager": 0.2,
    "individual": -0.7,
    "unknown": -1.0,
}
CHANNEL_LOGIT = {
    Channel.REFERRAL: 1.2,
    Channel.WEBINAR: 0.6,
    Channel.EVENTS: 0.4,
    Channel.PAID_SEARCH: 0.0,
    Channel.PAID_SOCIAL: -0.6,
    Channel.CONTENT: -0.3,
}
INTERCEPT = -2.2


def win_probability(
    *, level: str, channel: str, free_mail: bool, days_to_mql: float, extra_touches: int = 0
) -> float:
    logit = (
        INTERCEPT
        + 0.3 * extra_touches
        + SENIORITY_LOGIT[level]
        + CHANNEL_LOGIT[channel]
        - (0.9 if free_mail else 0.0)
        - 0.6 * math.log1p(days_to_mql)
        + 0.6
    )
    return 1 / (1 + math.exp(-logit))


def generate(n: int, *, seed: int = 7, start: dt.datetime | None = None) -> dict[str, int]:
    """n handed-off leads, one handoff a `step` apart; returns counts."""
    rng = random.Random(seed)
    user_model = get_user_model()
    rep, _ = user_model.objects.get_or_create(username="gen-rep")
    start = start or timezone.now() - dt.timedelta(days=400)
    campaigns = {}
    for channel in CHANNEL_LOGIT:
        campaigns[channel], _ = Campaign.objects.get_or_create(
            name=f"gen {channel}",
            defaults={"channel": channel, "start_date": start.date()},
        )
    step = dt.timedelta(days=360) / n
    leads: list[Lead] = []
    fates: list[tuple[str, bool]] = []
    plans: list[tuple[str, dt.datetime, dt.datetime, int]] = []
    for i in range(n):
        level = rng.choice(list(TITLES))
        channel = rng.choice(list(CHANNEL_LOGIT))
        free_mail = rng.random() < 0.35
        days = rng.choice((0.2, 1, 2, 4, 7, 14, 30, 60))
        created = start + step * i
        mql = created + dt.timedelta(days=days)
        handed = mql + dt.timedelta(hours=2)
        extra = rng.choice((0, 0, 1, 2, 3))
        won = rng.random() < win_probability(
            level=level, channel=channel, free_mail=free_mail, days_to_mql=days, extra_touches=extra
        )
        fate = "won" if won else rng.choice(("lost", "lost", "rejected", "disqualified"))
        status = {
            "won": LeadStatus.CONVERTED,
            "lost": LeadStatus.CONVERTED,
            "rejected": LeadStatus.REJECTED,
            "disqualified": LeadStatus.DISQUALIFIED,
        }[fate]
        sold = fate in ("won", "lost")
        domain = "gmail.com" if free_mail else f"company{i % 97}.com"
        leads.append(
            Lead(
                email=f"gen{seed}-{i}@{domain}",
                job_title=rng.choice(TITLES[level]),
                country=rng.choice(("US", "ES", "DE", "GB")),
                campaign=campaigns[channel],
                status=status,
                owner=rep,
                created_at=created,
                first_mql_at=mql,
                first_handed_off_at=handed,
                first_accepted_at=handed + dt.timedelta(hours=3) if sold else None,
                converted_at=handed + dt.timedelta(days=1) if sold else None,
            )
        )
        fates.append((fate, won))
        plans.append((channel, created, mql, extra))
    Lead.objects.bulk_create(leads, batch_size=2000)
    opportunities = []
    for lead, (fate, _won) in zip(leads, fates, strict=True):
        if fate in ("won", "lost"):
            opened = lead.converted_at
            opportunities.append(
                Opportunity(
                    lead=lead,
                    name=f"deal {lead.pk}",
                    amount=Decimal("1000"),
                    stage=OpportunityStage.WON if fate == "won" else OpportunityStage.LOST,
                    owner=rep,
                    created_at=opened,
                    closed_at=opened + dt.timedelta(days=20),
                    lost_reason="" if fate == "won" else "price",
                )
            )
    Opportunity.objects.bulk_create(opportunities, batch_size=2000)
    # the capture touch, `extra` touches on other campaigns before the MQL, and (for a third
    # of the leads) one after the handoff, which the score must never see
    channels = list(campaigns)
    touches = []
    for lead, (channel, created, mql, extra) in zip(leads, plans, strict=True):
        touches.append(Touch(lead=lead, campaign=campaigns[channel], at=created, kind="capture"))
        for k in range(extra):
            other = campaigns[channels[(channels.index(channel) + k + 1) % len(channels)]]
            at = created + (mql - created) * (k + 1) / (extra + 1)
            touches.append(Touch(lead=lead, campaign=other, at=at, kind=TouchKind.FORM))
        if lead.pk % 3 == 0:
            at = lead.first_handed_off_at + dt.timedelta(days=3)
            touches.append(Touch(lead=lead, campaign=campaigns[channel], at=at, kind="form"))
    Touch.objects.bulk_create(touches, batch_size=5000)
    return {"leads": n, "won": sum(1 for _f, w in fates if w)}
