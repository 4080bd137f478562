"""Writes of the CSV import that queue work: store an upload, then save its mapping and queue
the run. The run itself is imports/runner.py, called by the task (imports/tasks.py)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports import parsing, tasks, transitions
from imports.models import LeadImport, LeadImportStatus
from leads import queueing
from leads.errors import ActionNotAllowed, InvalidInput
from leads.roles import MANAGER, MARKETING, has_role


def _check_role(actor: AbstractBaseUser) -> None:
    if not has_role(actor, MARKETING, MANAGER):
        raise ActionNotAllowed(_("Only marketing and managers import leads."))


def import_create(
    *,
    actor: AbstractBaseUser,
    upload: UploadedFile,
    campaign_id: int | None = None,
    language: str = "en",
) -> LeadImport:
    """Store the file and its header; the import waits for its column mapping.

    A file without a readable header is refused with `parsing.ImportFileError` (an
    InvalidInput on `file`)."""
    _check_role(actor)
    upload.seek(0)
    raw = upload.read()
    columns, delimiter, encoding = parsing.read_header(raw)
    upload.seek(0)
    lead_import = LeadImport(
        original_name=(upload.name or "leads.csv")[:255],
        columns=columns,
        delimiter=delimiter,
        encoding=encoding,
        mapping=parsing.guess_mapping(columns),
        campaign_id=campaign_id,
        language=language,
        created_by=actor,
    )
    lead_import.file.save(upload.name or "leads.csv", upload, save=False)
    lead_import.save()
    return lead_import


def _mapping_errors(mapping: dict[str, str], columns: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field in parsing.REQUIRED_FIELDS - set(mapping):
        errors[field] = [_("Choose the column that holds this field.")]
    for field, column in mapping.items():
        if column not in columns:
            errors[field] = [_("The file has no such column.")]
    seen: dict[str, str] = {}
    for field, column in mapping.items():
        if column in seen:
            errors[field] = [_("This column is already used for another field.")]
        seen[column] = field
    return errors


def import_start(*, import_id: int, actor: AbstractBaseUser, mapping: dict[str, str]) -> LeadImport:
    """Save the mapping and queue the run (after commit). Only an import waiting for its
    mapping starts; a second submit of the same page changes nothing.

    The `queued` row is the record that the run must happen: if the broker is down the
    page still answers, and the beat sweep `imports-requeue-stuck` queues it again."""
    _check_role(actor)
    fields = dict(parsing.IMPORT_FIELDS)
    with transaction.atomic():
        lead_import = LeadImport.objects.select_for_update().get(pk=import_id)
        if lead_import.status != LeadImportStatus.UPLOADED:
            return lead_import
        clean = {f: c for f, c in mapping.items() if f in fields and c}
        errors = _mapping_errors(clean, lead_import.columns)
        if errors:
            raise InvalidInput(errors)
        now = timezone.now()
        transitions.import_status_set(
            import_id=lead_import.pk, status=LeadImportStatus.QUEUED, mapping=clean, queued_at=now
        )
        lead_import.mapping = clean
        lead_import.status = LeadImportStatus.QUEUED
        lead_import.queued_at = now
        queueing.enqueue_on_commit(tasks.run_lead_import, lead_import.pk)
    return lead_import
