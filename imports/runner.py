"""The work of an import, called by imports/tasks.py: validate every row with the row form and
capture the valid ones in batches through handoff's lead_capture_bulk, committing progress
and the row-level report (line, field, reason) with each batch so a restarted run resumes
after the last committed batch.

Two runs of one import may overlap (a redelivered message, or the beat sweep queueing an
import whose first message was only late). Each batch locks the import row before it
captures anything and goes on only if the committed progress is where this run expects
it; otherwise another run owns the import and this one stops, so no row is imported twice."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from handoff import services
from imports import selectors, transitions
from imports.models import LeadImport, LeadImportStatus
from imports.parsing import LeadRowForm
from leads.models import Campaign

BATCH_SIZE = 500


class _Superseded(Exception):
    """Another run of the same import got there first."""


def _campaign_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for pk, name in Campaign.objects.values_list("pk", "name"):
        lookup[name.strip().lower()] = pk
        lookup[str(pk)] = pk
    return lookup


def _report_entry(line: int, field: str, reason: str) -> dict[str, Any]:
    return {"line": line, "field": field, "reason": str(reason)}


def import_run(*, import_id: int) -> LeadImport:
    """Run (or resume) an import: idempotent, batch by batch, each batch committed with its
    progress and report so a restarted run continues after the last committed batch."""
    lead_import = LeadImport.objects.select_related("created_by").get(pk=import_id)
    if lead_import.status in (LeadImportStatus.DONE, LeadImportStatus.UPLOADED):
        return lead_import
    with translation.override(lead_import.language):
        try:
            _run(lead_import)
        except _Superseded:
            pass
        except Exception as exc:
            transitions.import_status_set(
                import_id=import_id,
                status=LeadImportStatus.FAILED,
                error=str(exc)[:2000],
                finished_at=timezone.now(),
            )
            raise
    lead_import.refresh_from_db()
    return lead_import


def _run(lead_import: LeadImport) -> None:
    mapping = lead_import.mapping
    all_rows = list(selectors.import_rows(lead_import=lead_import))
    with transaction.atomic():
        locked = _lock(lead_import.pk)
        if locked.status == LeadImportStatus.DONE:
            raise _Superseded
        updates: dict[str, Any] = {"total_rows": len(all_rows)}
        if locked.started_at is None:
            updates["started_at"] = timezone.now()
        transitions.import_status_set(
            import_id=lead_import.pk, status=LeadImportStatus.RUNNING, **updates
        )
        start = locked.processed_rows
    campaigns = _campaign_lookup()
    for offset in range(start, len(all_rows), BATCH_SIZE):
        batch = all_rows[offset : offset + BATCH_SIZE]
        _run_batch(lead_import, offset, batch, mapping, campaigns)
    with transaction.atomic():
        if _lock(lead_import.pk).status == LeadImportStatus.DONE:
            raise _Superseded
        transitions.import_status_set(
            import_id=lead_import.pk, status=LeadImportStatus.DONE, finished_at=timezone.now()
        )


def _lock(import_id: int) -> LeadImport:
    return LeadImport.objects.select_for_update().get(pk=import_id)


def _run_batch(
    lead_import: LeadImport,
    offset: int,
    batch: list[tuple[int, dict[str, str]]],
    mapping: dict[str, str],
    campaigns: dict[str, int],
) -> None:
    report: list[dict[str, Any]] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    invalid_lines: set[int] = set()
    for line, row in batch:
        data = {field: row.get(column, "").strip() for field, column in mapping.items()}
        form = LeadRowForm(data, campaigns=campaigns, default_campaign=lead_import.campaign_id)
        if form.is_valid():
            valid.append((line, form.capture_row()))
        else:
            invalid_lines.add(line)
            for field, messages in form.errors.items():
                for message in messages:
                    report.append(_report_entry(line, field, message))
    created = duplicates = 0
    with transaction.atomic():
        locked = _lock(lead_import.pk)
        if locked.processed_rows != offset or locked.status != LeadImportStatus.RUNNING:
            raise _Superseded
        results = (
            services.lead_capture_bulk(
                actor=lead_import.created_by,
                rows=[row for _line, row in valid],
                import_id=lead_import.pk,
            )
            if valid
            else []
        )
        for result in results:
            line = valid[result.index][0]
            if result.status == "created":
                created += 1
            elif result.status == "duplicate":
                duplicates += 1
                reason = (
                    _("A lead with this email or external id already exists (lead %(id)s).")
                    % {"id": result.existing_id}
                    if result.existing_id
                    else _("The same lead appears on an earlier line of this file.")
                )
                report.append(_report_entry(line, "email", reason))
            else:
                invalid_lines.add(line)
                for field, messages in result.errors.items():
                    for message in messages:
                        report.append(_report_entry(line, field, message))
        room = max(0, LeadImport.REPORT_LIMIT - len(locked.report))
        locked.report = [*locked.report, *report[:room]]
        locked.processed_rows += len(batch)
        locked.created_count += created
        locked.duplicate_count += duplicates
        locked.invalid_count += len(invalid_lines)
        locked.save(
            update_fields=[
                "report",
                "processed_rows",
                "created_count",
                "duplicate_count",
                "invalid_count",
            ]
        )
