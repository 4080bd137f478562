"""The learned score end to end on a generated history of known structure (attribution.md)."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.utils import timezone

from leads.models import Campaign, Lead, Opportunity, Touch, TouchKind
from scoring import rules, scorer, selectors, training
from scoring.features import features
from scoring.models import ModelStatus, ScoringModel
from tests.scoring.generator import generate

pytestmark = pytest.mark.postgres


@pytest.fixture
def history(db):
    return generate(3000)


def test_model_learns_the_known_structure(history) -> None:
    run = training.train()
    print(
        f"\ngenerated history: {run.examples} examples, {run.positives} won, AUC {run.auc:.3f}, "
        f"Brier {run.brier:.3f}, top-decile lift {run.top_decile_lift:.2f}, {run.seconds:.2f} s"
    )
    assert run.status == ModelStatus.CURRENT and not run.rule_based
    assert run.examples == 3000 and run.fit_examples == 2400 and run.test_examples == 600
    assert run.auc > 0.75
    assert run.top_decile_lift >= 2
    assert len(run.lift_by_decile) == 10 and run.calibration
    # the top decile's won rate over the base rate, recomputed from the stored deciles
    rates = [d["won_rate"] * d["count"] for d in run.lift_by_decile]
    base = sum(rates) / sum(d["count"] for d in run.lift_by_decile)
    assert run.lift_by_decile[0]["won_rate"] >= 2 * base
    # every lead got a score with reasons after the training
    assert not Lead.objects.filter(predicted_score__isnull=True).exists()
    lead = Lead.objects.filter(job_title="CEO").first()
    assert 0 <= lead.predicted_score <= 100
    assert 1 <= len(lead.predicted_reasons) <= 3
    assert {"feature", "value", "direction"} <= set(lead.predicted_reasons[0])


def test_split_is_by_handoff_time_oldest_fitted(history) -> None:
    rows, labels = selectors.examples()
    times = [r["first_handed_off_at"] for r in rows]
    assert times == sorted(times)
    assert len(rows) == len(labels) == 3000


def test_post_handoff_fields_change_nothing(history) -> None:
    training.train(rescore=False)
    lead = Lead.objects.filter(opportunity__stage="won").order_by("id").first()
    before_facts = selectors.facts_of(selectors.lead_rows([lead.pk]))[0]
    before = scorer.score_rows(selectors.lead_rows([lead.pk]), selectors.current_model())
    # everything recorded after the handoff changes: status, acceptance, the opportunity
    later = lead.first_handed_off_at + timezone.timedelta(days=2)
    Lead.objects.filter(pk=lead.pk).update(
        status="rejected", first_accepted_at=later, converted_at=None
    )
    Touch.objects.create(
        lead=lead, campaign=Campaign.objects.first(), at=later, kind=TouchKind.FORM
    )
    Opportunity.objects.filter(lead=lead).update(
        stage="lost",
        lost_reason="competitor",
        amount=5,
        closed_at=later + timezone.timedelta(days=1),
    )
    after_facts = selectors.facts_of(selectors.lead_rows([lead.pk]))[0]
    after = scorer.score_rows(selectors.lead_rows([lead.pk]), selectors.current_model())
    assert dataclasses.asdict(before_facts) == dataclasses.asdict(after_facts)
    assert features(before_facts) == features(after_facts)
    assert before == after
    assert after_facts.touches >= 1


def test_touches_before_the_handoff_are_features(history) -> None:
    rows = selectors.lead_rows(Lead.objects.values_list("pk", flat=True)[:300])
    facts = selectors.facts_of(rows)
    assert any(f.touches > 1 for f in facts)
    by_id = {r["id"]: r for r in rows}
    for f, r in zip(facts, rows, strict=True):
        assert f.cutoff == by_id[r["id"]]["first_handed_off_at"]
        assert f.touched_channels and f.touched_campaigns


def test_cold_start_below_threshold_is_rule_based(db) -> None:
    generate(150, seed=3)
    run = training.train()
    assert run.rule_based and run.status == ModelStatus.CURRENT
    assert run.pipeline is None and run.auc is None
    lead = Lead.objects.order_by("id").first()
    facts = selectors.facts_of(selectors.lead_rows([lead.pk]))[0]
    lead.refresh_from_db()
    assert (lead.predicted_score, lead.predicted_reasons) == rules.rule_score(facts)


def test_enough_examples_but_few_won_stays_rule_based(db) -> None:
    assert not rules.enough_history(5000, 29)
    assert not rules.enough_history(199, 100)
    assert rules.enough_history(200, 30)


def test_a_worse_model_never_replaces_a_better_one(history) -> None:
    good = training.train(rescore=False)
    assert good.status == ModelStatus.CURRENT
    # the newest outcomes are flipped at random: the next model judges worse on them
    rows, _labels = selectors.examples()
    newest = [r["id"] for r in rows[-600:]]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_opportunity SET stage = CASE WHEN stage = 'won' THEN 'lost' ELSE 'won' "
            "END, lost_reason = CASE WHEN stage = 'won' THEN 'price' ELSE '' END "
            "WHERE lead_id = ANY(%s)",
            [newest],
        )
    worse = training.train(rescore=False)
    assert worse.auc < good.auc
    assert worse.status == ModelStatus.REJECTED
    good.refresh_from_db()
    assert good.status == ModelStatus.CURRENT
    assert selectors.current_model().pk == good.pk
    assert ScoringModel.objects.filter(status=ModelStatus.CURRENT).count() == 1


def test_a_model_as_good_replaces_the_current_one(history) -> None:
    first = training.train(rescore=False)
    second = training.train(rescore=False)
    assert second.auc == pytest.approx(first.auc)
    assert second.status == ModelStatus.CURRENT
    first.refresh_from_db()
    assert first.status == ModelStatus.REPLACED
