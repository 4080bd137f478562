"""Property: after random sequences of moves, the incremental refresh gives exactly the rows
of a full recompute (seeded generator; each seed is one random history)."""

import contextlib
import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from handoff import services as flow
from handoff.models import RejectionReason
from leads import services as leads_services
from leads.errors import DomainError
from leads.models import CampaignCost, Channel, Lead, LeadStatus, Opportunity
from metrics import refresh
from metrics.models import CampaignDay, MqlRepeat, OwnerDay, SalesCostDay
from tests import factories

ZONE = "Asia/Kolkata"  # UTC+05:30: local days differ from UTC days in the evening


def snapshot() -> dict[str, list[tuple]]:
    """Every rollup row as a tuple of its values (without the id), sorted."""
    out = {}
    for model in (CampaignDay, OwnerDay, MqlRepeat, SalesCostDay):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(
            model.objects.values_list(*fields), key=lambda row: tuple(map(str, row))
        )
    return out


class RandomHistory:
    """Random moves through the services, each at a backfilled time a little later."""

    def __init__(self, seed: int, manager, reps, campaigns) -> None:
        self.rng = random.Random(seed)
        self.manager = manager
        self.reps = reps
        self.campaigns = campaigns
        self.clock = dt.datetime(2026, 3, 1, 8, 0, tzinfo=ZoneInfo(ZONE))
        self.n = 0

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=self.rng.choice([7, 50, 180, 420, 900, 1500, 2900]))
        return self.clock

    def campaign_id(self) -> int | None:
        choice = self.rng.choice([*self.campaigns, None])
        return choice.pk if choice else None

    def step(self) -> None:
        rng, m = self.rng, self.manager
        leads = list(Lead.objects.values_list("pk", "status"))
        roll = rng.random()
        if roll < 0.15 or not leads:
            self.n += 1
            flow.lead_capture(
                actor=m,
                email=f"p{self.n}@example.com",
                campaign_id=self.campaign_id(),
                created_at=self.tick(),
            )
            return
        if roll < 0.2:
            campaign = rng.choice(self.campaigns)
            day = self.clock.date() - dt.timedelta(days=rng.randint(0, 20))
            leads_services.campaign_cost_add(
                campaign_id=campaign.pk,
                actor=m,
                date=day,
                amount=Decimal(rng.randint(1, 900)),
            )
            return
        if roll < 0.23:
            cost = CampaignCost.objects.order_by("?").first()
            if cost is not None:
                leads_services.campaign_cost_update(
                    cost_id=cost.pk, actor=m, date=cost.date + dt.timedelta(days=rng.randint(-3, 3))
                )
            return
        if roll < 0.25:
            leads_services.sales_cost_add(
                actor=m, date=self.clock.date(), amount=Decimal(rng.randint(1, 5000))
            )
            return
        if roll < 0.29:
            lead_id, _ = rng.choice(leads)
            flow.lead_update(lead_id=lead_id, actor=m, campaign_id=self.campaign_id())
            return
        lead_id, status = rng.choice(leads)
        self.move(lead_id, status)

    def move(self, lead_id: int, status: str) -> None:
        rng, m = self.rng, self.manager
        at = self.tick()
        rep = rng.choice(self.reps)
        S = LeadStatus
        if status in (S.NEW, S.NURTURE):
            if rng.random() < 0.85:
                flow.lead_qualify(lead_id=lead_id, actor=m, at=at)
            else:
                flow.lead_disqualify(lead_id=lead_id, actor=m, at=at)
        elif status == S.MQL:
            flow.lead_handoff(lead_id=lead_id, actor=m, assignee_id=rep.pk, at=at)
        elif status == S.HANDED_OFF:
            roll = rng.random()
            owner = Lead.objects.values_list("owner_id", flat=True).get(pk=lead_id)
            others = [r for r in self.reps if r.pk != owner]
            if roll < 0.2 and others:
                flow.lead_reassign(
                    lead_id=lead_id, actor=m, assignee_id=rng.choice(others).pk, at=at
                )
            elif roll < 0.3:
                pass  # left pending (past due: a breach)
            elif roll < 0.7:
                flow.lead_accept(
                    lead_id=lead_id, actor=m, rating=rng.choice([None, 1, 3, 5]), at=at
                )
            else:
                self.reject(lead_id, at)
        elif status == S.ACCEPTED:
            if rng.random() < 0.75:
                flow.lead_convert(
                    lead_id=lead_id, actor=m, amount=str(rng.randint(100, 90000)), at=at
                )
            else:
                self.reject(lead_id, at)
        elif status == S.REJECTED:
            if rng.random() < 0.7:
                flow.lead_recycle(lead_id=lead_id, actor=m, at=at)
            else:
                flow.lead_disqualify(lead_id=lead_id, actor=m, at=at)
        elif status == S.CONVERTED:
            opportunity = Opportunity.objects.get(lead_id=lead_id)
            if opportunity.is_open:
                if rng.random() < 0.6:
                    flow.opportunity_win(
                        opportunity_id=opportunity.pk,
                        actor=m,
                        amount=rng.choice([None, str(rng.randint(1, 99999))]),
                        at=at,
                    )
                else:
                    flow.opportunity_lose(
                        opportunity_id=opportunity.pk, actor=m, reason="price", at=at
                    )

    def reject(self, lead_id: int, at: dt.datetime) -> None:
        reason = self.rng.choice(RejectionReason.values)
        flow.lead_reject(
            lead_id=lead_id,
            actor=self.manager,
            reason=reason,
            rating=self.rng.choice([None, 2, 4]),
            feedback="why" if reason == "other" else "",
            at=at,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_incremental_refresh_equals_full_recompute_after_random_moves(
    seed, settings, manager, rep, other_rep
):
    # Given a random history in a non-UTC zone, refreshed incrementally at random points
    settings.TIME_ZONE = ZONE
    third = factories.UserFactory(role="sales")
    campaigns = [
        factories.CampaignFactory(channel=Channel.EMAIL),
        factories.CampaignFactory(channel=Channel.EMAIL),
        factories.CampaignFactory(channel=Channel.EVENTS),
    ]
    history = RandomHistory(seed, manager, [rep, other_rep, third], campaigns)
    for _ in range(140):
        with contextlib.suppress(DomainError):  # a refused move writes nothing
            history.step()
        if history.rng.random() < 0.1:
            refresh.refresh_dirty()
    refresh.refresh_dirty()
    incremental = snapshot()

    # When everything is rebuilt from the source tables
    refresh.recompute_all()
    full = snapshot()

    # Then the rows are identical, and the history was not trivial
    assert incremental == full
    assert len(full["CampaignDay"]) > 10
    totals = CampaignDay.objects.aggregate(
        h=Sum("handoffs"), a=Sum("accepted"), r=Sum("rejected"), c=Sum("customers"), m=Sum("mqls")
    )
    assert all(totals.values()), totals
