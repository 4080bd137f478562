"""A small history built through the workflow services, with every KPI computed by hand.

Time zone America/New_York (UTC-5 in January and February 2026). Campaigns: C1 and C2
(paid_search), C3 (webinar). Reps A (`rep`) and B (`other_rep`). Every move is made by
the manager with a backfilled time; SLA is the default 24 wall-clock hours.

Leads (campaign, creation, then the story; local times):
- L1 (C1, Jan 5 10:00): mql Jan 6 09:00; H1 -> A Jan 6 10:00; accepted Jan 6 15:00
  (rating 4); opp Jan 8 10:00 (10000); won Feb 3 10:00 for 12000.
- L2 (C1, Jan 31 23:30 = Feb 1 04:30 UTC): mql Feb 1 08:00; H2 -> B Feb 1 09:00;
  rejected Feb 2 12:00 (no_budget, 2, late); recycled Feb 3; mql again Feb 4 09:00.
- L3 (C2, Jan 10 12:00): mql Jan 10 13:00; H3a -> A Jan 10 14:00; reassigned to B
  Jan 11 08:00 (before due) as H3b; accepted Jan 11 20:00 (5); opp Jan 12 10:00 (5000);
  lost Jan 20 10:00.
- L4 (C3, Jan 20 10:00): mql Jan 20 11:00; H4a -> A Jan 20 12:00; reassigned to B
  Jan 22 12:00 (after due) as H4b; accepted Jan 22 18:00 (no rating); rejected
  Jan 25 10:00 (not_a_fit, 1).
- L5 (no campaign, Jan 15 09:00): mql Jan 15 10:00; H5 -> B Jan 15 11:00; accepted
  Jan 15 12:00 (3); opp Jan 16 09:00 (2000); won Jan 30 09:00.
- L6 (C3, Feb 10 10:00): mql Feb 10 11:00; H6 -> A Feb 10 12:00; never answered.
- L7 (C2, Feb 12 10:00): disqualified Feb 12 11:00.
- L8 (no campaign, Feb 20 10:00): stays new.
- L9 (C1, Jan 25 10:00): mql Jan 25 11:00; H9 -> A Jan 25 12:00; accepted Jan 26 12:00,
  exactly at due (5); opp Jan 27 10:00 (3000); won Feb 28 23:30 (Mar 1 04:30 UTC).
- L10 (C2, Feb 2 10:00): mql Feb 2 11:00; H10 -> B Feb 2 12:00; rejected Feb 2 13:00
  (other, no rating).

Spend: C1 Jan 10 1000, Feb 5 500; C2 Jan 20 300; C3 Jan 31 200, Feb 1 100.
Sales costs: Jan 15 2000, Feb 15 1000.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from handoff import services as flow
from leads import services as leads_services
from leads.models import Channel
from tests import factories

NY = ZoneInfo("America/New_York")


def at(text: str) -> dt.datetime:
    """'2026-01-05 10:00' as an aware New York time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=NY)


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"
    return NY


@pytest.fixture
def history(new_york, manager, rep, other_rep):
    """The history of the module docstring, written through the services."""
    c1 = factories.CampaignFactory(name="C1 search", channel=Channel.PAID_SEARCH)
    c2 = factories.CampaignFactory(name="C2 search", channel=Channel.PAID_SEARCH)
    c3 = factories.CampaignFactory(name="C3 webinar", channel=Channel.WEBINAR)
    a, b, m = rep, other_rep, manager

    for campaign, day, amount in [
        (c1, "2026-01-10", "1000.00"),
        (c1, "2026-02-05", "500.00"),
        (c2, "2026-01-20", "300.00"),
        (c3, "2026-01-31", "200.00"),
        (c3, "2026-02-01", "100.00"),
    ]:
        leads_services.campaign_cost_add(
            campaign_id=campaign.pk,
            actor=m,
            date=dt.date.fromisoformat(day),
            amount=Decimal(amount),
        )
    for day, amount in [("2026-01-15", "2000.00"), ("2026-02-15", "1000.00")]:
        leads_services.sales_cost_add(
            actor=m, date=dt.date.fromisoformat(day), amount=Decimal(amount)
        )

    def capture(n: int, campaign, created: str):
        return flow.lead_capture(
            actor=m,
            email=f"l{n}@example.com",
            campaign_id=campaign.pk if campaign else None,
            created_at=at(created),
        )

    # L1
    l1 = capture(1, c1, "2026-01-05 10:00")
    flow.lead_qualify(lead_id=l1.pk, actor=m, at=at("2026-01-06 09:00"))
    flow.lead_handoff(lead_id=l1.pk, actor=m, assignee_id=a.pk, at=at("2026-01-06 10:00"))
    flow.lead_accept(lead_id=l1.pk, actor=m, rating=4, at=at("2026-01-06 15:00"))
    o1 = flow.lead_convert(lead_id=l1.pk, actor=m, amount="10000", at=at("2026-01-08 10:00"))
    flow.opportunity_win(opportunity_id=o1.pk, actor=m, amount="12000", at=at("2026-02-03 10:00"))
    # L2
    l2 = capture(2, c1, "2026-01-31 23:30")
    flow.lead_qualify(lead_id=l2.pk, actor=m, at=at("2026-02-01 08:00"))
    flow.lead_handoff(lead_id=l2.pk, actor=m, assignee_id=b.pk, at=at("2026-02-01 09:00"))
    flow.lead_reject(
        lead_id=l2.pk, actor=m, reason="no_budget", rating=2, at=at("2026-02-02 12:00")
    )
    flow.lead_recycle(lead_id=l2.pk, actor=m, at=at("2026-02-03 09:00"))
    flow.lead_qualify(lead_id=l2.pk, actor=m, at=at("2026-02-04 09:00"))
    # L3
    l3 = capture(3, c2, "2026-01-10 12:00")
    flow.lead_qualify(lead_id=l3.pk, actor=m, at=at("2026-01-10 13:00"))
    flow.lead_handoff(lead_id=l3.pk, actor=m, assignee_id=a.pk, at=at("2026-01-10 14:00"))
    flow.lead_reassign(lead_id=l3.pk, actor=m, assignee_id=b.pk, at=at("2026-01-11 08:00"))
    flow.lead_accept(lead_id=l3.pk, actor=m, rating=5, at=at("2026-01-11 20:00"))
    o3 = flow.lead_convert(lead_id=l3.pk, actor=m, amount="5000", at=at("2026-01-12 10:00"))
    flow.opportunity_lose(opportunity_id=o3.pk, actor=m, reason="budget", at=at("2026-01-20 10:00"))
    # L4
    l4 = capture(4, c3, "2026-01-20 10:00")
    flow.lead_qualify(lead_id=l4.pk, actor=m, at=at("2026-01-20 11:00"))
    flow.lead_handoff(lead_id=l4.pk, actor=m, assignee_id=a.pk, at=at("2026-01-20 12:00"))
    flow.lead_reassign(lead_id=l4.pk, actor=m, assignee_id=b.pk, at=at("2026-01-22 12:00"))
    flow.lead_accept(lead_id=l4.pk, actor=m, at=at("2026-01-22 18:00"))
    flow.lead_reject(
        lead_id=l4.pk, actor=m, reason="not_a_fit", rating=1, at=at("2026-01-25 10:00")
    )
    # L5 (unattributed)
    l5 = capture(5, None, "2026-01-15 09:00")
    flow.lead_qualify(lead_id=l5.pk, actor=m, at=at("2026-01-15 10:00"))
    flow.lead_handoff(lead_id=l5.pk, actor=m, assignee_id=b.pk, at=at("2026-01-15 11:00"))
    flow.lead_accept(lead_id=l5.pk, actor=m, rating=3, at=at("2026-01-15 12:00"))
    o5 = flow.lead_convert(lead_id=l5.pk, actor=m, amount="2000", at=at("2026-01-16 09:00"))
    flow.opportunity_win(opportunity_id=o5.pk, actor=m, at=at("2026-01-30 09:00"))
    # L6
    l6 = capture(6, c3, "2026-02-10 10:00")
    flow.lead_qualify(lead_id=l6.pk, actor=m, at=at("2026-02-10 11:00"))
    flow.lead_handoff(lead_id=l6.pk, actor=m, assignee_id=a.pk, at=at("2026-02-10 12:00"))
    # L7
    l7 = capture(7, c2, "2026-02-12 10:00")
    flow.lead_disqualify(lead_id=l7.pk, actor=m, reason="spam", at=at("2026-02-12 11:00"))
    # L8 (unattributed)
    capture(8, None, "2026-02-20 10:00")
    # L9
    l9 = capture(9, c1, "2026-01-25 10:00")
    flow.lead_qualify(lead_id=l9.pk, actor=m, at=at("2026-01-25 11:00"))
    flow.lead_handoff(lead_id=l9.pk, actor=m, assignee_id=a.pk, at=at("2026-01-25 12:00"))
    flow.lead_accept(lead_id=l9.pk, actor=m, rating=5, at=at("2026-01-26 12:00"))
    o9 = flow.lead_convert(lead_id=l9.pk, actor=m, amount="3000", at=at("2026-01-27 10:00"))
    flow.opportunity_win(opportunity_id=o9.pk, actor=m, at=at("2026-02-28 23:30"))
    # L10
    l10 = capture(10, c2, "2026-02-02 10:00")
    flow.lead_qualify(lead_id=l10.pk, actor=m, at=at("2026-02-02 11:00"))
    flow.lead_handoff(lead_id=l10.pk, actor=m, assignee_id=b.pk, at=at("2026-02-02 12:00"))
    flow.lead_reject(
        lead_id=l10.pk,
        actor=m,
        reason="other",
        feedback="Outside our region",
        at=at("2026-02-02 13:00"),
    )
    return SimpleNamespace(c1=c1, c2=c2, c3=c3, a=a, b=b)
