"""The learned lead score's models: every training run, its figures and its pipeline."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    REPLACED = "replaced", _("Replaced")
    REJECTED = "rejected", _("Rejected")


class ScoringModel(models.Model):
    """One training run. At most one row is `current`: the one that scores the leads.

    A learned run stores its fitted scikit-learn pipeline (joblib bytes); a run under the
    cold-start threshold is `rule_based` and stores none (the rules live in scoring.rules).
    """

    Status = ModelStatus

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    examples = models.PositiveIntegerField(_("training examples"), default=0)
    positives = models.PositiveIntegerField(_("won examples"), default=0)
    fit_examples = models.PositiveIntegerField(_("examples fitted"), default=0)
    test_examples = models.PositiveIntegerField(_("examples held out"), default=0)
    auc = models.FloatField(_("held-out ROC AUC"), null=True, blank=True)
    brier = models.FloatField(_("Brier score"), null=True, blank=True)
    top_decile_lift = models.FloatField(_("top-decile lift"), null=True, blank=True)
    rule_based = models.BooleanField(_("rule-based"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ModelStatus.choices, default=ModelStatus.REJECTED
    )
    pipeline = models.BinaryField(_("pipeline"), null=True, blank=True, editable=False)
    lift_by_decile = models.JSONField(_("lift by decile"), default=list, blank=True)
    calibration = models.JSONField(_("calibration bins"), default=list, blank=True)
    coefficients = models.JSONField(_("strongest coefficients"), default=list, blank=True)
    seconds = models.FloatField(_("training seconds"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="current"),
                name="scoringmodel_one_current",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ModelStatus.values), name="scoringmodel_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(rule_based=True) | Q(pipeline__isnull=False),
                name="scoringmodel_learned_has_pipeline",
            ),
        ]

    def __str__(self) -> str:
        kind = "rules" if self.rule_based else f"AUC {self.auc}"
        return f"v{self.version} ({kind}, {self.status})"
