"""The CSV import of leads: one row per uploaded file, with its mapping, progress and report.

The model moved here from `handoff` without moving data: it keeps its table
(`handoff_leadimport`), see migrations/0001_initial.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LeadImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LeadImport(models.Model):
    """One CSV import of leads: its file, column mapping, progress and row-level report.

    `report` holds at most REPORT_LIMIT entries `{"line", "field", "reason"}`; the counts
    are always exact. `processed_rows` moves forward with each committed batch, so a run
    that was interrupted resumes after the last committed batch.
    """

    Status = LeadImportStatus
    REPORT_LIMIT = 5000

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    encoding = models.CharField(_("encoding"), max_length=20, default="utf-8-sig")
    mapping = models.JSONField(
        _("column mapping"), default=dict, blank=True, help_text=_("Lead field -> CSV column.")
    )
    campaign = models.ForeignKey(
        "leads.Campaign",
        verbose_name=_("campaign for every row"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language of the report"), max_length=10, default="en")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("leads created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid rows"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="lead_imports",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        # The table was created by handoff (0005) and moved here in state only.
        db_table = "handoff_leadimport"
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LeadImportStatus.values), name="leadimport_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == LeadImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(100 * self.processed_rows / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.status in (LeadImportStatus.QUEUED, LeadImportStatus.RUNNING)
