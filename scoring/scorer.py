"""Writes each lead's `predicted_score` and its reasons with the current model (or, during
the cold start, the documented rules). Called by the listeners after a lead's features
change and by training after a new model becomes current."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from django.db import connection, transaction

from leads.models import Lead
from scoring import learn, rules, selectors
from scoring.features import features
from scoring.models import ScoringModel

logger = logging.getLogger(__name__)
CHUNK = 2000
# The unpickled pipeline of the current model, by model id (one per process).
_pipelines: dict[int, object] = {}


def pipeline_of(model: ScoringModel):
    if model.pk not in _pipelines:
        blob = model.pipeline
        if blob is None:
            blob = ScoringModel.objects.values_list("pipeline", flat=True).get(pk=model.pk)
        _pipelines.clear()
        _pipelines[model.pk] = learn.loads(blob)
    return _pipelines[model.pk]


def score_rows(rows: list[dict], model: ScoringModel | None) -> list[tuple[int, list[dict]]]:
    """(score 0-100, reasons) for lead value rows (selectors.LEAD_FIELDS)."""
    facts = selectors.facts_of(rows)
    if model is None or model.rule_based:
        return [rules.rule_score(f) for f in facts]
    probs, reasons = learn.explain(pipeline_of(model), [features(f) for f in facts])
    return [
        (min(max(round(float(p) * 100), 0), 100), r) for p, r in zip(probs, reasons, strict=True)
    ]


def rescore(lead_ids: Iterable[int], *, model: ScoringModel | None = None) -> int:
    """Score these leads now; returns how many were written."""
    ids = sorted(set(lead_ids))
    if not ids:
        return 0
    if model is None:
        model = selectors.current_model_figures()
    written = 0
    for start in range(0, len(ids), CHUNK):
        rows = selectors.lead_rows(ids[start : start + CHUNK])
        scored = score_rows(rows, model)
        written += _write([r["id"] for r in rows], scored)
    return written


UPDATE_SQL = (
    "UPDATE leads_lead AS l SET predicted_score = v.score, predicted_reasons = v.reasons::jsonb "
    "FROM unnest(%s::bigint[], %s::smallint[], %s::text[]) AS v(id, score, reasons) "
    "WHERE l.id = v.id"
)


def _write(ids: list[int], scored: list[tuple[int, list[dict]]]) -> int:
    """One UPDATE for the chunk (PostgreSQL: from arrays; bulk_update's CASE per row is
    twenty times slower); only the two score columns change, no signal is sent."""
    if connection.vendor != "postgresql":
        leads = [
            Lead(pk=i, predicted_score=s, predicted_reasons=r)
            for i, (s, r) in zip(ids, scored, strict=True)
        ]
        Lead.objects.bulk_update(leads, ["predicted_score", "predicted_reasons"])
        return len(leads)
    with connection.cursor() as cursor:
        cursor.execute(
            UPDATE_SQL, [ids, [s for s, _r in scored], [json.dumps(r) for _s, r in scored]]
        )
    return len(ids)


def rescore_unscored(*, model: ScoringModel | None = None) -> int:
    """The leads a lost rescore message left without a score (the nightly sweep)."""
    written = 0
    while True:
        ids = list(
            Lead.objects.filter(predicted_score__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return written
        with transaction.atomic():
            done = rescore(ids, model=model)
        written += done
        if not done:
            return written


def rescore_all(*, model: ScoringModel | None = None) -> int:
    """Every lead, in chunks (after a new model becomes current)."""
    if model is None:
        model = selectors.current_model_figures()
    written = 0
    last = 0
    while True:
        ids = list(
            Lead.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return written
        with transaction.atomic():
            written += rescore(ids, model=model)
        last = ids[-1]
