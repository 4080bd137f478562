"""The import report's first-week fixes: sorted by line, the rows not imported as a CSV
download (original columns + error, formula cells neutralised), and "See the new leads"
listing only this import's leads."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from imports import services
from imports.models import LeadImport
from leads.models import Lead
from tests.factories import lead_in_state
from tests.imports.test_imports import _upload

CSV = (
    "Email,Company,Score\n"
    "ana@example.com,Acme,70\n"  # line 2: good
    "taken@example.com,Old,30\n"  # line 3: already a lead (reported after the batch)
    'not-an-email,=HYPERLINK("http://x"),10\n'  # line 4: bad email, a formula company
    "bo@example.com,Beta,150\n"  # line 5: score out of range
    "cy@example.com,Gamma,20\n"  # line 6: good
)
MAPPING = {"email": "Email", "company": "Company", "score": "Score"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def finished(marketer, django_capture_on_commit_callbacks) -> LeadImport:
    lead_in_state("new", marketer=marketer, email="taken@example.com")
    lead_import = services.import_create(actor=marketer, upload=_upload(CSV))
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(import_id=lead_import.pk, actor=marketer, mapping=MAPPING)
    lead_import.refresh_from_db()
    assert lead_import.created_count == 2
    return lead_import


def test_the_report_is_sorted_by_line(marketer, finished):
    # The stored report lists the duplicate (line 3) after the invalid rows of its batch
    assert [entry["line"] for entry in finished.report] != sorted(
        entry["line"] for entry in finished.report
    )
    body = _client(marketer).get(reverse("imports:import_detail", args=[finished.pk])).content
    table = body.decode().split('id="import-report"')[1].split("</table>")[0]
    lines = [int(cell.split("<")[0]) for cell in table.split('<td class="num">')[1:]]
    assert lines == [3, 4, 5]


def test_the_rows_not_imported_download_as_csv_with_an_error_column(marketer, finished):
    # When marketing downloads the rows not imported
    page = _client(marketer).get(reverse("imports:import_detail", args=[finished.pk]))
    url = reverse("imports:import_failed_rows", args=[finished.pk])
    assert url in page.content.decode()
    response = _client(marketer).get(url)

    # Then it is a CSV of the file's own columns plus "error", one row per failed line
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "leads-failed-rows.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Email", "Company", "Score", "error"]
    assert [row[0] for row in rows[1:]] == ["taken@example.com", "not-an-email", "bo@example.com"]
    assert "already exists" in rows[1][3]
    assert rows[2][3].startswith("Email:")
    # And a cell a spreadsheet would run as a formula is neutralised
    assert rows[2][1] == '\'=HYPERLINK("http://x")'


def test_see_the_new_leads_lists_only_this_import_s_leads(marketer, finished):
    # Given another new lead made by hand
    other = lead_in_state("new", marketer=marketer, email="hand@example.com")

    # When marketing follows "See the new leads"
    page = _client(marketer).get(reverse("imports:import_detail", args=[finished.pk]))
    link = f"{reverse('handoff:lead_list')}?import_id={finished.pk}"
    assert link in page.content.decode()
    body = _client(marketer).get(link).content.decode()

    # Then only the two leads of this import are listed
    assert "ana@example.com" in body and "cy@example.com" in body
    assert other.email not in body and "taken@example.com" not in body
    imported = Lead.objects.filter(events__data__import_id=finished.pk)
    assert set(imported.values_list("email", flat=True)) == {"ana@example.com", "cy@example.com"}


def test_the_download_is_refused_to_sales(rep, finished):
    assert (
        _client(rep).get(reverse("imports:import_failed_rows", args=[finished.pk])).status_code
        == 403
    )


def test_failed_rows_of_an_import_whose_file_is_gone_is_a_message_not_an_error(client, marketer):
    # Given an import whose uploaded file is no longer stored
    from imports.models import LeadImport

    gone = LeadImport.objects.create(
        created_by=marketer, original_name="old.csv", file="imports/gone.csv", status="done"
    )
    client.force_login(marketer)
    # When its failed rows are asked for
    response = client.get(f"/leads/import/{gone.pk}/failed-rows.csv", follow=True)
    # Then the import page says the file is gone
    assert response.status_code == 200
    assert "no longer stored" in response.content.decode()
