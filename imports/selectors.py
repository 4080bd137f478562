"""Reads of imports: one import, the list, and the rows of an import's stored file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from imports import parsing
from imports.models import LeadImport, LeadImportStatus


def import_get(*, import_id: int) -> LeadImport:
    return LeadImport.objects.select_related("campaign", "created_by").get(pk=import_id)


def import_list() -> QuerySet[LeadImport]:
    """Imports, newest first."""
    return LeadImport.objects.select_related("created_by").order_by("-created_at", "-id")


def import_rows(*, lead_import: LeadImport) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, column -> cell) of each data row of the import's file."""
    with lead_import.file.open("rb") as handle:
        raw = handle.read()
    return parsing.rows(
        raw,
        encoding=lead_import.encoding,
        delimiter=lead_import.delimiter,
        columns=lead_import.columns,
    )


def import_preview(*, lead_import: LeadImport, limit: int = 5) -> list[list[str]]:
    """The first rows of the file, cells in column order, for the mapping page."""
    preview = []
    for _line, row in import_rows(lead_import=lead_import):
        preview.append([row.get(column, "") for column in lead_import.columns])
        if len(preview) >= limit:
            break
    return preview


def stuck_queued_ids(*, queued_before: dt.datetime, limit: int = 100) -> list[int]:
    """Imports still `queued` since before `queued_before` (their task was never queued or
    was lost), oldest first."""
    return list(
        LeadImport.objects.filter(status=LeadImportStatus.QUEUED)
        .filter(Q(queued_at__lt=queued_before) | Q(queued_at__isnull=True))
        .order_by("queued_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def report_sorted(*, lead_import: LeadImport) -> list[dict]:
    """The import's report, by line (then field), as the page and the download show it."""
    return sorted(
        lead_import.report, key=lambda entry: (entry.get("line") or 0, entry.get("field") or "")
    )


def failed_rows(*, lead_import: LeadImport) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the lines that were not imported: the file's own columns, in its
    order, and an "error" column with every reason of the line ("field: reason; ...")."""
    labels = dict(parsing.IMPORT_FIELDS)
    reasons: dict[int, list[str]] = {}
    for entry in report_sorted(lead_import=lead_import):
        field = entry.get("field") or ""
        label = str(labels.get(field, field))
        text = f"{label}: {entry.get('reason', '')}" if label else str(entry.get("reason", ""))
        reasons.setdefault(entry.get("line"), []).append(text)
    rows = [
        [*(row.get(column, "") for column in lead_import.columns), "; ".join(reasons[line])]
        for line, row in import_rows(lead_import=lead_import)
        if line in reasons
    ]
    return [*lead_import.columns, "error"], rows
