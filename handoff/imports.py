"""CSV import of leads: read the header, map columns to lead fields, then validate every row
with a form and capture the valid ones in batches through lead_capture_bulk, with progress
and a row-level report (line, field, reason)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from handoff import services
from handoff.models import LeadImport, LeadImportStatus
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Campaign
from leads.roles import MANAGER, MARKETING, has_role

BATCH_SIZE = 500
SAMPLE_BYTES = 64 * 1024

# Lead fields an import can fill, in form order, with their labels.
IMPORT_FIELDS: list[tuple[str, Any]] = [
    ("email", gettext_lazy("Email")),
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("company", gettext_lazy("Company")),
    ("job_title", gettext_lazy("Job title")),
    ("phone", gettext_lazy("Phone")),
    ("country", gettext_lazy("Country")),
    ("campaign", gettext_lazy("Campaign (name or number)")),
    ("external_id", gettext_lazy("External id")),
    ("score", gettext_lazy("Score")),
]
REQUIRED_FIELDS = frozenset({"email"})

# Header names (lower case, without spaces, dashes or underscores) each field is guessed from.
_GUESSES: dict[str, set[str]] = {
    "email": {"email", "emailaddress", "mail", "correo", "correoelectronico", "correoelectrónico"},
    "first_name": {"firstname", "first", "givenname", "nombre"},
    "last_name": {"lastname", "last", "surname", "familyname", "apellido", "apellidos"},
    "company": {"company", "companyname", "organization", "organisation", "account", "empresa"},
    "job_title": {"jobtitle", "title", "position", "role", "cargo", "puesto"},
    "phone": {"phone", "phonenumber", "telephone", "mobile", "telefono", "teléfono"},
    "country": {"country", "countrycode", "pais", "país"},
    "campaign": {"campaign", "campaignname", "campaignid", "campaña", "campana"},
    "external_id": {"externalid", "id", "crmid", "sourceid"},
    "score": {"score", "leadscore", "puntuacion", "puntuación"},
}


def _squash(name: str) -> str:
    return "".join(ch for ch in name.strip().lower() if ch not in " -_.")


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Lead field -> the first column whose header names it (each column used once)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field, names in _GUESSES.items():
        for column in columns:
            if column not in used and _squash(column) in names:
                mapping[field] = column
                used.add(column)
                break
    return mapping


# --------------------------------------------------------------------------- reading


class ImportFileError(ValueError):
    """The file cannot be read as a CSV with a header row."""


def _decode(raw: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.splitlines()[0] if sample else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _reader(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each data row; the header is line 1; blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    start_line = 2
    for cells in reader:
        line = start_line
        start_line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        yield line, cells


def read_header(raw: bytes) -> tuple[list[str], str, str]:
    """(columns, delimiter, encoding) of a CSV file; ImportFileError when it has no header."""
    text, encoding = _decode(raw[:SAMPLE_BYTES] if len(raw) > SAMPLE_BYTES else raw)
    delimiter = _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), None)
    columns = [cell.strip() for cell in header or []]
    if not any(columns):
        raise ImportFileError(_("The file has no header row."))
    if len(set(columns)) != len(columns):
        raise ImportFileError(_("Two columns of the header have the same name."))
    if "" in columns:
        raise ImportFileError(_("A column of the header has no name."))
    return columns, delimiter, encoding


def _rows(lead_import: LeadImport) -> Iterator[tuple[int, dict[str, str]]]:
    with lead_import.file.open("rb") as handle:
        raw = handle.read()
    text = raw.decode(lead_import.encoding, errors="replace")
    columns = lead_import.columns
    for line, cells in _reader(text, lead_import.delimiter):
        yield (
            line,
            {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(columns)},
        )


def preview(lead_import: LeadImport, *, limit: int = 5) -> list[list[str]]:
    """The first rows of the file, cells in column order, for the mapping page."""
    rows = []
    for _line, row in _rows(lead_import):
        rows.append([row.get(column, "") for column in lead_import.columns])
        if len(rows) >= limit:
            break
    return rows


# --------------------------------------------------------------------------- validation


class LeadRowForm(forms.Form):
    """One CSV row: the checks a person filling the lead form would get, per field."""

    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    company = forms.CharField(max_length=200, required=False)
    job_title = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=50, required=False)
    country = forms.CharField(max_length=100, required=False)
    campaign = forms.CharField(max_length=200, required=False)
    external_id = forms.CharField(max_length=128, required=False)
    score = forms.IntegerField(min_value=0, max_value=100, required=False)

    def __init__(
        self, *args: Any, campaigns: dict[str, int], default_campaign: int | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.campaigns = campaigns
        self.default_campaign = default_campaign

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip()
        if not value:
            return ""
        code = (
            countries.alpha2(value)
            or countries.by_name(value)
            or countries.by_name(value, language="es")
        )
        if not code:
            raise forms.ValidationError(_("Unknown country: use a two-letter code such as ES."))
        return code

    def clean_campaign(self) -> int | None:
        value = self.cleaned_data["campaign"].strip()
        if not value:
            return self.default_campaign
        campaign_id = self.campaigns.get(value.lower())
        if campaign_id is None:
            raise forms.ValidationError(_("No campaign with this name or number."))
        return campaign_id

    def capture_row(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["campaign_id"] = data.pop("campaign")
        data["external_id"] = data["external_id"] or None
        data["score"] = data["score"] or 0
        return data


def _campaign_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for pk, name in Campaign.objects.values_list("pk", "name"):
        lookup[name.strip().lower()] = pk
        lookup[str(pk)] = pk
    return lookup


# --------------------------------------------------------------------------- services


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
    """Store the file and its header; the import waits for its column mapping."""
    _check_role(actor)
    upload.seek(0)
    raw = upload.read()
    try:
        columns, delimiter, encoding = read_header(raw)
    except ImportFileError as exc:
        raise InvalidInput({"file": [str(exc)]}) from None
    upload.seek(0)
    lead_import = LeadImport(
        original_name=(upload.name or "leads.csv")[:255],
        columns=columns,
        delimiter=delimiter,
        encoding=encoding,
        mapping=guess_mapping(columns),
        campaign_id=campaign_id,
        language=language,
        created_by=actor,
    )
    lead_import.file.save(upload.name or "leads.csv", upload, save=False)
    lead_import.save()
    return lead_import


def import_start(*, import_id: int, actor: AbstractBaseUser, mapping: dict[str, str]) -> LeadImport:
    """Save the mapping and queue the run (after commit). Only an import waiting for its
    mapping starts; a second submit of the same page changes nothing."""
    _check_role(actor)
    fields = dict(IMPORT_FIELDS)
    with transaction.atomic():
        lead_import = LeadImport.objects.select_for_update().get(pk=import_id)
        if lead_import.status != LeadImportStatus.UPLOADED:
            return lead_import
        clean = {f: c for f, c in mapping.items() if f in fields and c}
        errors: dict[str, list[str]] = {}
        for field in REQUIRED_FIELDS - set(clean):
            errors[field] = [_("Choose the column that holds this field.")]
        for field, column in clean.items():
            if column not in lead_import.columns:
                errors[field] = [_("The file has no such column.")]
        seen: dict[str, str] = {}
        for field, column in clean.items():
            if column in seen:
                errors[field] = [_("This column is already used for another field.")]
            seen[column] = field
        if errors:
            raise InvalidInput(errors)
        lead_import.mapping = clean
        lead_import.status = LeadImportStatus.QUEUED
        lead_import.save(update_fields=["mapping", "status"])
        # robust: a broker that is down (or an eager run that fails) must not turn the page
        # into an error; the import stays "queued" and the page says so.
        transaction.on_commit(lambda: _queue(lead_import.pk), robust=True)
    return lead_import


def _queue(import_id: int) -> None:
    from handoff.import_tasks import run_lead_import

    run_lead_import.delay(import_id)


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
        except Exception as exc:
            LeadImport.objects.filter(pk=import_id).update(
                status=LeadImportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
            )
            raise
    lead_import.refresh_from_db()
    return lead_import


def _run(lead_import: LeadImport) -> None:
    mapping = lead_import.mapping
    all_rows = list(_rows(lead_import))
    updates: dict[str, Any] = {"status": LeadImportStatus.RUNNING, "total_rows": len(all_rows)}
    if lead_import.started_at is None:
        updates["started_at"] = timezone.now()
    LeadImport.objects.filter(pk=lead_import.pk).update(**updates)
    campaigns = _campaign_lookup()
    start = lead_import.processed_rows
    for offset in range(start, len(all_rows), BATCH_SIZE):
        batch = all_rows[offset : offset + BATCH_SIZE]
        _run_batch(lead_import, batch, mapping, campaigns)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImportStatus.DONE, finished_at=timezone.now()
    )


def _run_batch(
    lead_import: LeadImport,
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
        results = (
            services.lead_capture_bulk(
                actor=lead_import.created_by, rows=[row for _line, row in valid]
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
        locked = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
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


def import_get(*, import_id: int) -> LeadImport:
    return LeadImport.objects.select_related("campaign", "created_by").get(pk=import_id)


def import_list() -> Any:
    """Imports, newest first."""
    return LeadImport.objects.select_related("created_by").order_by("-created_at", "-id")
