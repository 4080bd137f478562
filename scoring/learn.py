"""The learned model (pure, no database): fit, judge on the held-out newest 20%, explain.

The pipeline: `DictVectorizer` (one-hot of the categorical features, numeric ones as they
are) -> `StandardScaler` (unit variance; sparse, so without centring) -> `LogisticRegression`.
A logistic regression's probability is calibrated by construction (it minimises log loss);
the Brier score and the calibration bins of the held-out set show how well. Each lead's
reasons are its largest terms coefficient x (scaled value - scaled training mean).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import joblib
import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from scoring.features import shown_value, split_name

FIT_SHARE = 0.8
DECILES = 10
CALIBRATION_BINS = 10


def make_pipeline() -> Pipeline:
    return Pipeline(
        [
            ("onehot", DictVectorizer(sparse=True)),
            ("scale", StandardScaler(with_mean=False)),
            ("model", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )


@dataclass
class Judged:
    pipeline: Pipeline
    fit_examples: int
    test_examples: int
    auc: float | None
    brier: float | None
    top_decile_lift: float | None
    lift_by_decile: list[dict[str, float]] = field(default_factory=list)
    calibration: list[dict[str, float]] = field(default_factory=list)
    coefficients: list[dict[str, float | str]] = field(default_factory=list)


def split(n: int) -> int:
    """How many of n examples (oldest first) are fitted: the oldest 80%."""
    return max(1, min(n - 1, math.floor(n * FIT_SHARE)))


def lift_by_decile(labels: np.ndarray, probs: np.ndarray) -> list[dict[str, float]]:
    """Won rate per decile of scores, highest first, and its lift over the base rate."""
    base = float(labels.mean()) if len(labels) else 0.0
    order = np.argsort(-probs, kind="stable")
    rows = []
    for decile, chunk in enumerate(np.array_split(order, DECILES), start=1):
        if not len(chunk):
            continue
        rate = float(labels[chunk].mean())
        rows.append(
            {
                "decile": decile,
                "count": len(chunk),
                "won_rate": round(rate, 4),
                "lift": round(rate / base, 3) if base else 0.0,
            }
        )
    return rows


def calibration_bins(labels: np.ndarray, probs: np.ndarray) -> list[dict[str, float]]:
    """Bins of equal size by predicted probability (lowest first): the mean predicted
    probability against the observed won rate of each."""
    order = np.argsort(probs, kind="stable")
    rows = []
    for b, chunk in enumerate(np.array_split(order, CALIBRATION_BINS)):
        if len(chunk):
            rows.append(
                {
                    "bin": b,
                    "count": len(chunk),
                    "predicted": round(float(probs[chunk].mean()), 4),
                    "observed": round(float(labels[chunk].mean()), 4),
                }
            )
    return rows


def strongest(pipeline: Pipeline, limit: int = 12) -> list[dict[str, float | str]]:
    names = pipeline.named_steps["onehot"].get_feature_names_out()
    coefs = pipeline.named_steps["model"].coef_[0]
    order = np.argsort(-np.abs(coefs))[:limit]
    out = []
    for i in order:
        feature, value = split_name(str(names[i]))
        out.append({"feature": feature, "value": value, "weight": round(float(coefs[i]), 4)})
    return out


def fit_and_judge(rows: list[dict], labels: list[int]) -> Judged:
    """Fit on the oldest 80% of rows (given oldest first), judge on the newest 20%."""
    y = np.asarray(labels, dtype=int)
    cut = split(len(rows))
    pipeline = make_pipeline()
    pipeline.fit(rows[:cut], y[:cut])
    test_y = y[cut:]
    probs = pipeline.predict_proba(rows[cut:])[:, 1]
    auc = brier = lift = None
    deciles: list[dict[str, float]] = []
    if len(set(test_y.tolist())) == 2:
        auc = float(roc_auc_score(test_y, probs))
        deciles = lift_by_decile(test_y, probs)
        lift = deciles[0]["lift"] if deciles else None
    if len(test_y):
        brier = float(brier_score_loss(test_y, probs))
    return Judged(
        pipeline=pipeline,
        fit_examples=cut,
        test_examples=len(test_y),
        auc=auc,
        brier=brier,
        top_decile_lift=lift,
        lift_by_decile=deciles,
        calibration=calibration_bins(test_y, probs),
        coefficients=strongest(pipeline),
    )


def dumps(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def loads(blob: bytes) -> Pipeline:
    return joblib.load(io.BytesIO(bytes(blob)))


def explain(pipeline: Pipeline, rows: list[dict]) -> tuple[np.ndarray, list[list[dict]]]:
    """Probabilities of rows and each row's top three reasons (feature, value, direction).

    A term is coefficient x (scaled value - scaled training mean); only the features the
    lead has (a non-zero value) and the numeric ones are candidates, so a reason always
    names something true of the lead.
    """
    onehot = pipeline.named_steps["onehot"]
    scale = pipeline.named_steps["scale"]
    model = pipeline.named_steps["model"]
    names = onehot.get_feature_names_out()
    matrix = onehot.transform(rows).tocsr()
    probs = model.predict_proba(scale.transform(matrix))[:, 1]
    weights = model.coef_[0] / scale.scale_
    centre = scale.mean_
    numeric = np.array(["=" not in str(n) for n in names])
    dense = matrix.toarray()
    terms = weights * (dense - centre)
    terms[(dense == 0) & ~numeric] = 0.0  # only what the lead has, and the numbers
    top = np.argsort(-np.abs(terms), axis=1)[:, :3]
    reasons: list[list[dict]] = []
    for r in range(dense.shape[0]):
        row = []
        for col in top[r]:
            term = terms[r, col]
            if abs(term) < 1e-6:
                continue
            feature, value = split_name(str(names[col]))
            if numeric[col]:
                value = shown_value(feature, float(dense[r, col]))
            row.append(
                {"feature": feature, "value": value, "direction": "up" if term > 0 else "down"}
            )
        reasons.append(row)
    return probs, reasons
