"""The demo's lead score: trained once after seed_demo loads its history, so the model page
shows a trained model (and every lead a predicted score) the first time it is opened."""

from __future__ import annotations

from typing import Any

from scoring import training


def seed_scoring(stdout: Any) -> None:
    run = training.train()
    if run.rule_based:
        stdout.write(
            f"Lead score: rule-based (cold start, {run.examples} examples, {run.positives} won)."
        )
        return
    stdout.write(
        f"Lead score: model v{run.version} trained on {run.examples} examples "
        f"({run.positives} won) in {run.seconds:.1f} s: held-out AUC {run.auc:.3f}, "
        f"Brier {run.brier:.3f}, top-decile lift {run.top_decile_lift:.2f}."
    )
