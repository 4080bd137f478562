"""Attribution credits in the database: hand-computed figures on the KPI history, first touch
equal to the KPI breakdown, incremental refresh equal to a rebuild, constant queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from handoff import services as flow
from leads.models import Lead, Opportunity, TouchKind
from leads.touches import NewTouch, record_touches
from metrics import attribution, attribution_refresh, refresh, selectors
from metrics.attribution_selectors import attribution_figures, attribution_table
from metrics.models import AttributionCredit, AttributionDirty
from tests import factories
from tests.metrics.conftest import at

pytestmark = pytest.mark.django_db

JAN_MAR = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
FEB = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def lead(n: int) -> Lead:
    return Lead.objects.get(email=f"l{n}@example.com")


def touch(lead_obj: Lead, campaign, when: dt.datetime) -> None:
    record_touches([NewTouch(lead_obj.pk, campaign.pk, when, TouchKind.MANUAL)])


def snapshot() -> set[tuple]:
    return set(
        AttributionCredit.objects.values_list(
            "opportunity_id", "model", "campaign_id", "credit", "revenue", "won_day"
        )
    )


@pytest.fixture
def journeys(history):
    """The KPI history (tests/metrics/conftest.py) with later touches: L1 (C1 capture Jan 5)
    meets the C3 webinar Jan 7 and C2 on Jan 9, after its opportunity (Jan 8); L9 (C1
    capture Jan 25) meets C3 on Jan 26. Credits and rollups refreshed from the outbox."""
    touch(lead(1), history.c3, at("2026-01-07 10:00"))
    touch(lead(1), history.c2, at("2026-01-09 10:00"))
    touch(lead(9), history.c3, at("2026-01-26 10:00"))
    attribution_refresh.refresh_dirty()
    refresh.refresh_dirty()
    return history


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_linear_in_february_by_hand(journeys):
    rows = by_name(attribution_figures(start=FEB[0], end=FEB[1], model="linear", by="campaign"))
    # L1 won Feb 3 (12000): C1 0.5, C3 0.5; L9 won Feb 28 23:30 local (3000): C1 0.5, C3 0.5.
    c1, c3 = rows["C1 search"], rows["C3 webinar"]
    assert (c1["customers"], c1["revenue"]) == (Decimal("1.0"), Decimal("7500.00"))
    assert (c3["customers"], c3["revenue"]) == (Decimal("1.0"), Decimal("7500.00"))
    assert c1["marketing_spend"] == Decimal("500.00") and c1["paid_cac"] == Decimal(500)
    assert c1["romi"] == Decimal(14)  # (7500 - 500) / 500
    assert c3["paid_cac"] == Decimal(100) and c3["romi"] == Decimal(74)
    assert rows["C2 search"]["customers"] == 0  # its touch came after the opportunity
    assert rows["C2 search"]["paid_cac"] is None and rows["C2 search"]["romi"] is None
    assert rows["Unattributed"]["customers"] == 0


def test_time_decay_and_u_shaped_by_hand(journeys):
    table = by_name(attribution_table(start=FEB[0], end=FEB[1], by="campaign"))
    # L1: C1 touch 3 days before the opportunity, C3 1 day: 2^(-3/7) vs 2^(-1/7).
    w1 = 2 ** (-3 / 7) / (2 ** (-3 / 7) + 2 ** (-1 / 7))
    # L9: C1 at Jan 25 10:00, C3 Jan 26 10:00, opened Jan 27 10:00: 2^(-2/7) vs 2^(-1/7).
    w9 = 2 ** (-2 / 7) / (2 ** (-2 / 7) + 2 ** (-1 / 7))
    decay = table["C1 search"]["models"]["time_decay"]
    assert float(decay["customers"]) == pytest.approx(w1 + w9, abs=2e-6)
    assert float(decay["revenue"]) == pytest.approx(12000 * w1 + 3000 * w9, abs=0.01)
    u = table["C3 webinar"]["models"]["u_shaped"]
    assert u["customers"] == Decimal("1.0")  # two touches each: half each
    assert table["C3 webinar"]["models"]["last_touch"]["customers"] == 2
    assert table["C1 search"]["models"]["last_touch"]["customers"] == 0


@pytest.mark.parametrize("by", ["campaign", "channel"])
def test_first_touch_equals_the_kpi_breakdown(journeys, by):
    """Every won opportunity here has its source campaign as first touch (or none: L5)."""
    kpi = {row[by]: row for row in selectors.kpi_breakdown(by=by, start=JAN_MAR[0], end=JAN_MAR[1])}
    rows = attribution_figures(start=JAN_MAR[0], end=JAN_MAR[1], model="first_touch", by=by)
    assert [row[by] for row in rows] == list(kpi)
    for row in rows:
        expected = kpi[row[by]]
        assert row["customers"] == expected["customers"], row["name"]
        assert row["revenue"] == expected["revenue"], row["name"]
        assert row["marketing_spend"] == expected["marketing_spend"]
        assert row["paid_cac"] == expected["paid_cac"]
        assert row["romi"] == expected["romi"]
    assert sum(r["customers"] for r in rows) == 3  # L1, L5 (unattributed), L9


def test_every_model_reconciles_with_the_kpi_customers_and_revenue(journeys):
    table = attribution_table(start=JAN_MAR[0], end=JAN_MAR[1], by="channel")
    for model in attribution.MODELS:
        assert sum(r["models"][model]["customers"] for r in table) == 3
        assert sum(r["models"][model]["revenue"] for r in table) == Decimal("17000.00")


def test_win_queues_the_refresh_after_commit_and_runs_eagerly(
    history, django_capture_on_commit_callbacks, manager
):
    l11 = flow.lead_capture(
        actor=manager,
        email="l11@example.com",
        campaign_id=history.c2.pk,
        created_at=at("2026-02-01 10:00"),
    )
    touch(l11, history.c3, at("2026-02-02 10:00"))
    flow.lead_qualify(lead_id=l11.pk, actor=manager, at=at("2026-02-03 10:00"))
    flow.lead_handoff(
        lead_id=l11.pk, actor=manager, assignee_id=history.a.pk, at=at("2026-02-03 11:00")
    )
    flow.lead_accept(lead_id=l11.pk, actor=manager, at=at("2026-02-03 12:00"))
    opp = flow.lead_convert(lead_id=l11.pk, actor=manager, amount="800", at=at("2026-02-04 10:00"))
    attribution_refresh.refresh_dirty()  # what the fixture's history left behind
    # The test transaction never commits: drop the callbacks a real commit would have run
    # (one of them is the refresh queued by the history's wins, which the next win reuses).
    connection.run_on_commit.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flow.opportunity_win(opportunity_id=opp.pk, actor=manager, at=at("2026-02-10 10:00"))
    assert not AttributionDirty.objects.exists()
    linear = dict(
        AttributionCredit.objects.filter(opportunity=opp, model="linear").values_list(
            "campaign_id", "credit"
        )
    )
    assert linear == {history.c2.pk: Decimal("0.5"), history.c3.pk: Decimal("0.5")}
    assert set(
        AttributionCredit.objects.filter(opportunity=opp).values_list("won_day", flat=True)
    ) == {dt.date(2026, 2, 10)}


def test_a_touch_on_a_won_lead_marks_it_and_a_new_lead_marks_nothing(journeys, manager):
    touch(lead(1), journeys.c2, at("2026-01-07 12:00"))  # now before the opportunity
    assert list(AttributionDirty.objects.values_list("lead_id", flat=True)) == [lead(1).pk]
    attribution_refresh.refresh_dirty()
    assert snapshot_after_rebuild_equals(snapshot())
    flow.lead_capture(actor=manager, email="new@example.com", campaign_id=journeys.c2.pk)
    assert not AttributionDirty.objects.exists()


def snapshot_after_rebuild_equals(before: set[tuple]) -> bool:
    attribution_refresh.rebuild_all()
    return snapshot() == before


def test_incremental_equals_a_full_rebuild(journeys):
    before = snapshot()
    assert before
    result = attribution_refresh.rebuild_all()
    assert snapshot() == before
    assert result.opportunities == 3
    assert result.credits == len(before)


def test_refresh_of_dirty_leads_takes_constant_queries(history, manager):
    """One batch: lock marks, lock opportunities, delete, touches, insert, delete marks;
    plus the transaction's savepoints. The same for 2 and for 12 leads."""
    counts = []
    for size in (2, 12):
        ids = []
        for i in range(size):
            lead_obj = factories.lead_in_state(
                "converted",
                marketer=manager,
                rep=history.a,
                campaign=history.c1,
                email=f"q{size}-{i}@example.com",
            )
            opp = Opportunity.objects.get(lead=lead_obj)
            flow.opportunity_win(opportunity_id=opp.pk, actor=manager)
            touch(lead_obj, history.c3, lead_obj.created_at)
            ids.append(lead_obj.pk)
        attribution_refresh.refresh_dirty()
        AttributionDirty.objects.bulk_create([AttributionDirty(lead_id=i) for i in ids])
        with CaptureQueriesContext(connection) as ctx:
            attribution_refresh.refresh_dirty()
        counts.append(len(ctx.captured_queries))
        assert (
            AttributionCredit.objects.filter(opportunity__lead_id__in=ids).count() == size * 8
        )  # 1 + 1 + 2 + 2 + 2
    assert counts[0] == counts[1]


# --- random journeys: incremental == rebuild ---------------------------------------------

steps = st.lists(
    st.tuples(
        st.sampled_from(["touch", "win", "touch_later"]),
        st.integers(0, 2),  # which lead
        st.integers(0, 2),  # which campaign
        st.integers(0, 20 * 24),  # hours after the lead's capture
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a DB story is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_random_journeys_incremental_equals_rebuild(history, manager, steps):
    campaigns = [history.c1, history.c2, history.c3]
    with transaction.atomic():
        sid = transaction.savepoint()
        base = at("2026-03-01 09:00")
        opps = []
        for i in range(3):
            lead_obj = factories.lead_in_state(
                "converted",
                marketer=manager,
                rep=history.a,
                campaign=campaigns[i],
                email=f"h{i}@example.com",
            )
            Lead.objects.filter(pk=lead_obj.pk).update(created_at=base)
            opps.append(Opportunity.objects.get(lead=lead_obj))
        won = set()
        for kind, which, camp, hours in steps:
            opp = opps[which]
            when = base + dt.timedelta(hours=hours)
            if kind == "win" and which not in won:
                flow.opportunity_win(opportunity_id=opp.pk, actor=manager, amount=str(hours + 1))
                won.add(which)
            elif kind == "touch":
                record_touches([NewTouch(opp.lead_id, campaigns[camp].pk, when, TouchKind.API)])
            else:  # a touch stamped before the opportunity, recorded late
                record_touches(
                    [
                        NewTouch(
                            opp.lead_id,
                            campaigns[camp].pk,
                            opp.created_at - dt.timedelta(hours=hours + 1),
                            TouchKind.API,
                        )
                    ]
                )
            attribution_refresh.refresh_dirty()
        incremental = snapshot()
        attribution_refresh.rebuild_all()
        assert snapshot() == incremental
        assert len({o for o, *_ in incremental}) == len(won) + 3  # + the history's L1, L5, L9
        transaction.savepoint_rollback(sid)
