"""What an upload must be: a .csv file up to IMPORT_MAX_BYTES, text in UTF-8 (with or without
a BOM), UTF-16 or Windows-1252, decoded right; anything else is a form error and nothing is
written to media (issue 10, finding 5)."""

import codecs
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from imports import parsing, runner
from imports.models import LeadImport, LeadImportStatus
from leads.models import Lead

pytestmark = pytest.mark.django_db

TEXT = (
    "Email;First Name;Last Name;Company\n"
    "ana@example.com;Ana;García;Müller & Søn\n"
    "bo@example.com;Bo;Ærø;Café “Zoë”\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def _stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def _post(client: Client, content: bytes, name: str = "leads.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("imports:import_start"), {"file": upload})


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252"],
)
def test_each_encoding_is_detected_and_the_rows_import_with_their_accents(
    marketer, marketer_client, encoded, encoding
):
    # given a file in one of the encodings spreadsheets save
    # when it is uploaded, mapped and run
    response = _post(marketer_client, encoded)
    assert response.status_code == 302, response.content.decode()[:500]
    lead_import = LeadImport.objects.get()
    assert lead_import.encoding == encoding
    assert lead_import.columns == ["Email", "First Name", "Last Name", "Company"]
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImportStatus.QUEUED,
        mapping={
            "email": "Email",
            "first_name": "First Name",
            "last_name": "Last Name",
            "company": "Company",
        },
    )
    runner.import_run(import_id=lead_import.pk)
    # then both rows are leads with their names spelled right
    names = dict(Lead.objects.values_list("email", "last_name"))
    companies = dict(Lead.objects.values_list("email", "company"))
    assert names == {"ana@example.com": "García", "bo@example.com": "Ærø"}
    assert companies == {"ana@example.com": "Müller & Søn", "bo@example.com": "Café “Zoë”"}


@pytest.mark.parametrize(
    "content",
    [
        b"Email,Name\nana@example.com,\x81\x8d\x8f\x90\x9d\n",  # neither UTF-8 nor cp1252
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),  # an image named .csv
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 40,  # a spreadsheet named .csv
        b"Email,Name\nana@example.com,A\x00B\n",  # a NUL byte in UTF-8 text
        codecs.BOM_UTF16_LE + "Email\n".encode("utf-16-le") + b"\x00\xd8",  # broken UTF-16
    ],
    ids=["undecodable", "png", "zip", "nul-byte", "broken-utf16"],
)
def test_a_file_that_is_not_csv_text_is_a_form_error_and_nothing_is_stored(
    marketer_client, media, content
):
    response = _post(marketer_client, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert "not text in UTF-8" in page or "not a CSV text file" in page
    assert not LeadImport.objects.exists()
    assert _stored_files(media) == []


@pytest.mark.parametrize("name", ["leads.xlsx", "leads.txt", "leads", "leads.csv.exe"])
def test_only_csv_files_are_taken(marketer_client, media, name):
    response = _post(marketer_client, TEXT.encode(), name=name)
    assert response.status_code == 400
    assert "File extension" in response.content.decode()
    assert not LeadImport.objects.exists() and _stored_files(media) == []


def test_a_file_over_import_max_bytes_is_a_form_error(marketer_client, media, settings):
    # given a limit of 1 KB
    settings.IMPORT_MAX_BYTES = 1024
    # when a 2 KB file is uploaded
    response = _post(marketer_client, TEXT.encode() + b"x@example.com;a;b;c\n" * 100)
    # then the form says so and nothing is stored
    assert response.status_code == 400
    assert "The file is larger than 0.000976562 MB." in response.content.decode()
    assert not LeadImport.objects.exists() and _stored_files(media) == []


def test_the_default_limit_is_10_mb_and_the_form_says_so(marketer_client, settings):
    assert settings.IMPORT_MAX_BYTES == 10 * 1024 * 1024
    assert "Up to 10 MB." in marketer_client.get(reverse("imports:import_start")).content.decode()


def test_decode_refuses_bytes_no_encoding_explains():
    with pytest.raises(parsing.ImportFileError):
        parsing.decode(b"\x81\x8d\x8f")
    assert parsing.decode(codecs.BOM_UTF8 + b"a,b\n") == ("a,b\n", "utf-8-sig")


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(marketer_client, media, settings):
    # given a limit of 1 KB and a multipart body that announces 200 KB
    settings.IMPORT_MAX_BYTES = 1024
    big = SimpleUploadedFile("leads.csv", b"Email\n" + b"a@example.com\n" * 15_000)
    # when it is posted
    response = marketer_client.post(reverse("imports:import_start"), {"file": big})
    # then the page says the file is too large, answers 413, and nothing is stored
    assert response.status_code == 413
    assert "The file is larger than" in response.content.decode()
    assert not LeadImport.objects.exists() and _stored_files(media) == []
