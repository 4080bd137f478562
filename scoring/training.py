"""Training (attribution.md): examples oldest first, fit on 80%, judge on the newest 20%,
store the run, and make it current only when its held-out AUC is not worse."""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from scoring import learn, rules, scorer, selectors
from scoring.features import features
from scoring.models import ModelStatus, ScoringModel

logger = logging.getLogger(__name__)
LOCK_KEY = 7_214_001  # pg advisory lock: one training at a time


def _replaces(new: ScoringModel, current: ScoringModel | None) -> bool:
    if current is None:
        return True
    if new.rule_based:
        return current.rule_based
    if new.auc is None:
        return False
    if current.rule_based or current.auc is None:
        return True
    return new.auc >= current.auc


def train(*, rescore: bool = True) -> ScoringModel:
    """One training run; returns the stored run (current, or rejected)."""
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        rows, labels = selectors.examples()
        positives = sum(labels)
        version = (ScoringModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        run = ScoringModel(
            version=version,
            trained_at=timezone.now(),
            examples=len(rows),
            positives=positives,
        )
        if not rules.enough_history(len(rows), positives):
            run.rule_based = True
            run.note = (
                f"cold start: {len(rows)} examples, {positives} won; a model needs "
                f"{rules.MIN_EXAMPLES} and {rules.MIN_POSITIVES}"
            )
        else:
            facts = selectors.facts_of(rows)
            judged = learn.fit_and_judge([features(f) for f in facts], labels)
            run.pipeline = learn.dumps(judged.pipeline)
            run.fit_examples = judged.fit_examples
            run.test_examples = judged.test_examples
            run.auc = judged.auc
            run.brier = judged.brier
            run.top_decile_lift = judged.top_decile_lift
            run.lift_by_decile = judged.lift_by_decile
            run.calibration = judged.calibration
            run.coefficients = judged.coefficients
        current = selectors.current_model_figures()
        replaced = _replaces(run, current)
        if replaced and current is not None:
            ScoringModel.objects.filter(pk=current.pk).update(status=ModelStatus.REPLACED)
        if not replaced and not run.note:
            run.note = f"held-out AUC below the current model's (v{current.version})"
        run.status = ModelStatus.CURRENT if replaced else ModelStatus.REJECTED
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
    logger.info(
        "scoring: trained v%s (%s examples, %s won, AUC %s) -> %s in %.1f s",
        run.version,
        run.examples,
        run.positives,
        run.auc,
        run.status,
        run.seconds,
    )
    if replaced and rescore:
        scorer.rescore_all(model=run)
    return run
