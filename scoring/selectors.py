"""Reads of the scoring app: a lead's facts as of its cut-off, the training examples, the
current model and the training history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from leads.models import Lead, LeadStatus, OpportunityStage, Touch
from scoring.features import LeadFacts
from scoring.models import ModelStatus, ScoringModel

LEAD_FIELDS = (
    "id",
    "email",
    "job_title",
    "country",
    "score",
    "created_at",
    "first_mql_at",
    "first_handed_off_at",
    "campaign__name",
    "campaign__channel",
)
FATE_KNOWN = Q(status__in=[LeadStatus.REJECTED, LeadStatus.DISQUALIFIED]) | Q(
    opportunity__stage__in=[OpportunityStage.WON, OpportunityStage.LOST]
)


def _touches(lead_ids: list[int]) -> dict[int, list[tuple[dt.datetime, str, str]]]:
    """Each lead's touches: (at, campaign name, channel)."""
    found: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    if not lead_ids:
        return found
    rows = Touch.objects.filter(lead_id__in=lead_ids).values_list(
        "lead_id", "at", "campaign__name", "campaign__channel"
    )
    for lead_id, at, name, channel in rows:
        found[lead_id].append((at, name or "", channel or ""))
    return found


def facts_of(rows: Iterable[dict], *, now: dt.datetime | None = None) -> list[LeadFacts]:
    """Facts of lead value rows (LEAD_FIELDS), each as of its first handoff (or now):
    touches after that moment are left out."""
    rows = list(rows)
    now = now or timezone.now()
    touches = _touches([r["id"] for r in rows])
    out = []
    for r in rows:
        cutoff = r["first_handed_off_at"] or now
        known = [t for t in touches.get(r["id"], ()) if t[0] <= cutoff]
        out.append(
            LeadFacts(
                email=r["email"],
                job_title=r["job_title"],
                country=str(r["country"] or ""),
                manual_score=r["score"],
                created_at=r["created_at"],
                first_mql_at=r["first_mql_at"],
                cutoff=cutoff,
                source_campaign=r["campaign__name"] or "",
                source_channel=r["campaign__channel"] or "",
                touched_campaigns=tuple(t[1] for t in known if t[1]),
                touched_channels=tuple(t[2] for t in known if t[2]),
                touches=len(known),
            )
        )
    return out


def lead_rows(lead_ids: Iterable[int]) -> list[dict]:
    return list(Lead.objects.filter(pk__in=list(lead_ids)).values(*LEAD_FIELDS).order_by("id"))


def examples() -> tuple[list[dict], list[int]]:
    """Training examples (attribution.md): leads handed off at least once whose fate is
    known (won, lost, rejected, disqualified), oldest handoff first; label 1 for won."""
    rows = list(
        Lead.objects.filter(first_handed_off_at__isnull=False)
        .filter(FATE_KNOWN)
        .order_by("first_handed_off_at", "id")
        .values(*LEAD_FIELDS, "opportunity__stage")
    )
    labels = [int(r["opportunity__stage"] == OpportunityStage.WON) for r in rows]
    return rows, labels


def example_counts() -> tuple[int, int]:
    base = Lead.objects.filter(first_handed_off_at__isnull=False).filter(FATE_KNOWN)
    return base.count(), base.filter(opportunity__stage=OpportunityStage.WON).count()


def current_model() -> ScoringModel | None:
    return ScoringModel.objects.filter(status=ModelStatus.CURRENT).first()


def current_model_figures() -> ScoringModel | None:
    """The current model without its pipeline bytes (pages and the API)."""
    return ScoringModel.objects.filter(status=ModelStatus.CURRENT).defer("pipeline").first()


def training_history(limit: int = 50) -> list[ScoringModel]:
    return list(ScoringModel.objects.defer("pipeline").order_by("-version")[:limit])


def model_figures() -> dict:
    """The figures the API and the model page answer: the current run, or (before the
    first run) the cold start with today's counts."""
    model = current_model_figures()
    if model is not None:
        return {
            "version": model.version,
            "trained_at": model.trained_at,
            "examples": model.examples,
            "positives": model.positives,
            "auc": model.auc,
            "brier": model.brier,
            "top_decile_lift": model.top_decile_lift,
            "rule_based": model.rule_based,
        }
    examples, positives = example_counts()
    return {
        "version": 0,
        "trained_at": None,
        "examples": examples,
        "positives": positives,
        "auc": None,
        "brier": None,
        "top_decile_lift": None,
        "rule_based": True,
    }
