"""The diagnosis' evidence tables on the hand-computed history of conftest.py (January and
February 2026, New York time), each with a pinned number of queries."""

import datetime as dt
from decimal import Decimal

import pytest

from handoff import services as flow
from leads.models import Lead
from metrics import evidence, refresh
from tests import factories
from tests.metrics.conftest import at

pytestmark = pytest.mark.django_db
RANGE = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 2, 28)}


def _lead(ref: str) -> int:
    n = ref.removeprefix("l")
    return Lead.objects.get(email=f"l{n}@example.com").pk


def test_rep_acceptance_next_to_sla_and_response_time(history, django_assert_num_queries):
    # Given the rollups of the history
    refresh.recompute_all()
    # When
    with django_assert_num_queries(3):
        rows = {r["owner"]: r for r in evidence.rep_acceptance_vs_sla(**RANGE)}
    # Then rep A: H1 H3a H4a H6 H9 handed off; H1, H9 accepted; H1, H9 on time, H4a
    # reassigned late and H6 never answered: 2 of 4; responses 5 h and 24 h.
    a, b = rows[history.a.pk], rows[history.b.pk]
    assert (a["handoffs"], a["accepted"], a["rejected"]) == (5, 2, 0)
    assert a["acceptance_rate"] == 1 and a["sla_compliance_rate"] == Decimal("0.5")
    assert a["avg_response_hours"] == Decimal("14.5")
    # rep B: H2 H3b H4b H5 H10; H3b, H5 accepted, H2 H4b H10 rejected; H2 late (27 h);
    # responses 27 12 6 1 1
    assert (b["handoffs"], b["accepted"], b["rejected"]) == (5, 2, 3)
    assert b["acceptance_rate"] == Decimal("0.4") and b["sla_compliance_rate"] == Decimal("0.8")
    assert b["avg_response_hours"] == Decimal("9.4")
    assert set(rows) == {history.a.pk, history.b.pk}


def test_win_rate_by_response_time_bucket(history, django_assert_num_queries):
    # Given answers: H5 1 h and H10 1 h (1-4 h: 1 h is not under 1 h); H1 5 h, H4b 6 h,
    # H3b 12 h, H9 24 h exactly (4-24 h); H2 27 h (over 24 h). L1, L5, L9 won, L3 lost.
    with django_assert_num_queries(1):
        rows = evidence.win_rate_by_response_time(**RANGE)
    got = {r["bucket"]: (r["answered"], r["accepted"], r["won"], r["lost"]) for r in rows}
    assert [r["bucket"] for r in rows] == ["under_1h", "1_4h", "4_24h", "over_24h"]
    assert got == {
        "under_1h": (0, 0, 0, 0),
        "1_4h": (2, 1, 1, 0),
        "4_24h": (4, 3, 2, 1),
        "over_24h": (1, 0, 0, 0),
    }
    by = {r["bucket"]: r for r in rows}
    assert by["4_24h"]["win_rate"] == Decimal(2) / 3 and by["4_24h"]["close_rate"] == Decimal("0.5")
    assert by["1_4h"]["win_rate"] == 1 and by["over_24h"]["win_rate"] is None
    assert by["over_24h"]["close_rate"] == 0 and by["under_1h"]["close_rate"] is None
    # a narrower range picks by handed_off_at: February holds H2 and H10 (H6 unanswered)
    feb = evidence.win_rate_by_response_time(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    assert [r["answered"] for r in feb] == [0, 1, 0, 1]


def test_leads_rejected_and_later_won_by_reason(history, manager, django_assert_num_queries):
    # Given L2 (rejected by B, no_budget) won in March by A after recycling, and L10
    # (rejected by B, other) won in March by B himself
    m = manager
    flow.lead_handoff(
        lead_id=_lead("l2"), actor=m, assignee_id=history.a.pk, at=at("2026-03-02 09:00")
    )
    flow.lead_accept(lead_id=_lead("l2"), actor=m, at=at("2026-03-02 10:00"))
    o2 = flow.lead_convert(lead_id=_lead("l2"), actor=m, amount="4000", at=at("2026-03-03 10:00"))
    flow.opportunity_win(opportunity_id=o2.pk, actor=m, at=at("2026-03-20 10:00"))
    flow.lead_recycle(lead_id=_lead("l10"), actor=m, at=at("2026-03-01 09:00"))
    flow.lead_qualify(lead_id=_lead("l10"), actor=m, at=at("2026-03-01 10:00"))
    flow.lead_handoff(
        lead_id=_lead("l10"), actor=m, assignee_id=history.b.pk, at=at("2026-03-01 11:00")
    )
    flow.lead_accept(lead_id=_lead("l10"), actor=m, at=at("2026-03-01 12:00"))
    o10 = flow.lead_convert(lead_id=_lead("l10"), actor=m, amount="1500", at=at("2026-03-02 10:00"))
    flow.opportunity_win(opportunity_id=o10.pk, actor=m, amount="1750", at=at("2026-03-10 10:00"))
    # When the rejections of January and February are read
    with django_assert_num_queries(1):
        rows = evidence.rejected_then_won(**RANGE)
    # Then each reason, most later-won first (L4's not_a_fit stays lost to us)
    got = [
        (r["reason"], r["rejected"], r["later_won"], r["won_by_same_rep"], r["won_by_other_rep"])
        for r in rows
    ]
    assert got == [
        ("no_budget", 1, 1, 0, 1),
        ("other", 1, 1, 1, 0),
        ("not_a_fit", 1, 0, 0, 0),
    ]
    assert rows[0]["revenue"] == Decimal("4000") and rows[1]["revenue"] == Decimal("1750")
    assert rows[0]["won_share"] == 1 and rows[2]["won_share"] == 0
    assert rows[0]["label"] == "No budget"
    # and a range without rejections has no rows
    assert evidence.rejected_then_won(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)) == []


def test_acceptance_per_campaign_per_rep_tells_one_rep_from_every_rep(
    history, django_assert_num_queries
):
    # Given answers with a campaign: C1: H1, H9 accepted by A, H2 rejected by B;
    # C2: H3b accepted and H10 rejected by B; C3: H4b rejected by B (L5 has no campaign)
    with django_assert_num_queries(1):
        got = evidence.acceptance_by_campaign_and_rep(**RANGE)
    rows = {r["campaign"]: r for r in got["campaigns"]}
    assert [r["campaign"] for r in got["campaigns"]] == ["C1 search", "C2 search", "C3 webinar"]
    a, b = history.a.pk, history.b.pk
    assert {r["owner"] for r in got["reps"]} == {a, b}
    c1 = rows["C1 search"]
    assert (c1["accepted"], c1["rejected"]) == (2, 1)
    assert c1["cells"][a]["acceptance_rate"] == 1 and c1["cells"][b]["acceptance_rate"] == 0
    assert c1["pattern"] == "some_reps"
    assert rows["C2 search"]["pattern"] == "none"  # B accepted half: not mostly rejected
    assert rows["C3 webinar"]["pattern"] == "every_rep"
    assert set(rows["C3 webinar"]["cells"]) == {b}


def test_evidence_query_counts_do_not_grow_with_rows(django_assert_num_queries, rep, manager):
    # Given 12 campaigns each with a lead handed off and rejected
    for n in range(12):
        campaign = factories.CampaignFactory(name=f"Campaign {n}")
        lead = flow.lead_capture(
            actor=manager,
            email=f"x{n}@example.com",
            campaign_id=campaign.pk,
            created_at=at("2026-01-05 10:00"),
        )
        flow.lead_qualify(lead_id=lead.pk, actor=manager, at=at("2026-01-05 11:00"))
        flow.lead_handoff(
            lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=at("2026-01-05 12:00")
        )
        flow.lead_reject(lead_id=lead.pk, actor=manager, reason="spam", at=at("2026-01-05 13:00"))
    with django_assert_num_queries(1):
        got = evidence.acceptance_by_campaign_and_rep(**RANGE)
    assert len(got["campaigns"]) == 12
    with django_assert_num_queries(1):
        assert evidence.rejected_then_won(**RANGE)[0]["rejected"] == 12
    with pytest.raises(ValueError):
        evidence.win_rate_by_response_time(start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))
