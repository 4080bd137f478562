"""Reading a CSV of leads, without touching the database: decoding (UTF-8 with or without a
BOM, UTF-16, Windows-1252; anything else is refused), delimiter sniffing, the header, column
guesses and the form that checks one row (line, field, reason)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from leads.errors import InvalidInput

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


class ImportFileError(InvalidInput):
    """The file cannot be read as a CSV with a header row (an error on the `file` field)."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]}, message=message)


# Byte order marks, longest first (a UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Characters a CSV of leads never holds: C0 controls but tab, line feed and carriage return.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def detect_encoding(raw: bytes) -> str:
    """The encoding of a CSV file: by its byte order mark (UTF-8, UTF-16, UTF-32), else
    UTF-16 without a mark (every other byte zero), else UTF-8, else Windows-1252.

    Raises ImportFileError when the bytes are none of these (a binary file, or a mixture)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    head = raw[:4096]
    half = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    # Mostly-ASCII UTF-16: a zero in most code units' high byte, and on one side only.
    if half >= 2 and max(even, odd) >= half / 2 and min(even, odd) <= half / 10:
        return "utf-16-le" if odd > even else "utf-16-be"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(
        _("The file is not text in UTF-8, UTF-16 or Windows-1252: save it as CSV UTF-8.")
    )


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a whole CSV file, decoded strictly: ImportFileError when it
    cannot be decoded or holds characters no text file has (NUL bytes, controls)."""
    encoding = detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not text in UTF-8, UTF-16 or Windows-1252: save it as CSV UTF-8.")
        ) from None
    text = text.removeprefix("\ufeff")
    if _BINARY.search(text):
        raise ImportFileError(_("The file is not a CSV text file."))
    return text, encoding


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
    """(columns, delimiter, encoding) of a CSV file; ImportFileError when it is not text in
    a known encoding or has no header."""
    text, encoding = decode(raw)
    text = text[:SAMPLE_BYTES]
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


def rows(
    raw: bytes, *, encoding: str, delimiter: str, columns: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, column -> cell) of each data row of a file whose header was read."""
    text = raw.decode(encoding, errors="replace").removeprefix("\ufeff")
    for line, cells in _reader(text, delimiter):
        yield (
            line,
            {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(columns)},
        )


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
