"""Demo journeys for the attribution page: some demo leads meet other campaigns (a webinar,
the newsletter, a retargeting ad...) between their capture and their handoff to sales,
whatever became of them (so the touches say nothing of the outcome the learned score is
asked to predict), a few deals after their opportunity opened (left out by every model),
then the credits are rebuilt. Called once by
crm/management/commands/seed_demo.py, inside its transaction."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from leads.models import Campaign, Channel, Lead, TouchKind
from leads.touches import NewTouch, record_touches
from metrics import attribution_refresh

# Campaigns a buyer tends to meet after the first click: nurture and proof, not acquisition.
MIDDLE_CHANNELS = {
    Channel.WEBINAR: 5,
    Channel.EMAIL: 4,
    Channel.CONTENT: 3,
    Channel.EVENTS: 2,
    Channel.PAID_SOCIAL: 2,
    Channel.SEO: 1,
    Channel.PAID_SEARCH: 1,
}
SHARE_WITH_JOURNEY = 0.65  # of the leads handed off to sales
SHARE_LATE_TOUCH = 0.15  # a touch after the opportunity was opened


def _running(campaigns: Sequence[Campaign], day: dt.date) -> list[Campaign]:
    return [
        c for c in campaigns if c.start_date <= day and (c.end_date is None or day <= c.end_date)
    ]


def seed_touches(*, campaigns: Sequence[Campaign], seed: int = 14) -> int:
    """Add later touches to handed-off demo leads; rebuild the credits. Returns the number of
    touches added."""
    rng = random.Random(seed)
    kinds = [TouchKind.FORM, TouchKind.IMPORT, TouchKind.API]
    touches: list[NewTouch] = []
    handed_off = (
        Lead.objects.filter(first_handed_off_at__isnull=False)
        .order_by("id")
        .values_list(
            "id", "campaign_id", "created_at", "first_handed_off_at", "opportunity__created_at"
        )
    )
    for lead_id, campaign_id, captured, handed, opened in handed_off:
        if rng.random() >= SHARE_WITH_JOURNEY or handed <= captured:
            continue
        span = (handed - captured).total_seconds()
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            at = captured + dt.timedelta(seconds=rng.uniform(0.05, 1.0) * span)
            options = [c for c in _running(campaigns, at.date()) if c.pk != campaign_id]
            if not options:
                continue
            weights = [MIDDLE_CHANNELS.get(c.channel, 1) for c in options]
            choice = rng.choices(options, weights=weights)[0]
            touches.append(NewTouch(lead_id, choice.pk, at, rng.choice(kinds)))
        if opened is None:
            continue
        if rng.random() < SHARE_LATE_TOUCH:
            late = opened + dt.timedelta(days=rng.uniform(1, 10))
            options = _running(campaigns, late.date())
            if options:
                touches.append(NewTouch(lead_id, rng.choice(options).pk, late, TouchKind.FORM))
    record_touches(touches)
    attribution_refresh.rebuild_all()
    return len(touches)
