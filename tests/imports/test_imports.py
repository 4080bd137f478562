"""CSV import of leads: header reading and column guesses, the mapping step, row-level
validation report (line, field, reason) with the valid rows kept, progress, idempotent and
resumable runs, and one run through a real Celery worker."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports import parsing, runner, services
from imports.models import LeadImport, LeadImportStatus
from leads.models import Lead
from tests.factories import CampaignFactory, lead_in_state

CSV = (
    "Email,First Name,Last Name,Company,Country,Score\n"
    "ana@example.com,Ana,García,Acme,ES,70\n"  # line 2: good
    "not-an-email,Bob,Stone,Beta,US,10\n"  # line 3: bad email
    "carl@example.com,Carl,Ray,Gamma,Atlantis,20\n"  # line 4: unknown country
    "taken@example.com,Dee,Old,Delta,FR,30\n"  # line 5: already a lead
    "ana@example.com,Ana,Again,Acme,ES,70\n"  # line 6: same as line 2
    "eve@example.com,Eve,Moss,Epsilon,Spain,150\n"  # line 7: score out of range
    "fay@example.com,Fay,Lu,Zeta,,\n"  # line 8: good, no country or score
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    """Uploads go to a temporary folder, for this process and for a worker it starts."""
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def _upload(content: str = CSV, name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def test_header_is_read_with_its_delimiter_and_columns_are_guessed():
    columns, delimiter, encoding = parsing.read_header(
        "\ufeffE-mail;Nombre;Apellidos;Empresa\nx@y.z;a;b;c\n".encode()
    )

    assert delimiter == ";" and encoding == "utf-8-sig"
    assert columns == ["E-mail", "Nombre", "Apellidos", "Empresa"]
    assert parsing.guess_mapping(columns) == {
        "email": "E-mail",
        "first_name": "Nombre",
        "last_name": "Apellidos",
        "company": "Empresa",
    }


def test_upload_without_a_header_says_why(marketer_client):
    response = marketer_client.post(reverse("imports:import_start"), {"file": _upload(",,\n")})

    assert response.status_code == 400
    assert "no name" in response.content.decode() or "no header" in response.content.decode()
    assert not LeadImport.objects.exists()


def test_the_whole_import_keeps_good_rows_and_reports_bad_ones_by_line(
    marketer, marketer_client, django_capture_on_commit_callbacks
):
    # Given a campaign for every row and a lead that already exists
    campaign = CampaignFactory(name="Fair 2026")
    existing = lead_in_state("new", marketer=marketer, email="taken@example.com")

    # When marketing uploads the file, keeps the guessed mapping and starts the import
    upload = marketer_client.post(
        reverse("imports:import_start"), {"file": _upload(), "campaign": campaign.pk}
    )
    lead_import = LeadImport.objects.get()
    assert upload["Location"] == reverse("imports:import_mapping", args=[lead_import.pk])
    mapping_page = marketer_client.get(upload["Location"]).content.decode()
    assert "ana@example.com" in mapping_page  # the preview
    assert 'value="Email" selected' in mapping_page  # the guess
    with django_capture_on_commit_callbacks(execute=True):
        started = marketer_client.post(
            upload["Location"],
            {
                "email": "Email",
                "first_name": "First Name",
                "last_name": "Last Name",
                "company": "Company",
                "country": "Country",
                "score": "Score",
            },
        )
    assert started["Location"] == reverse("imports:import_detail", args=[lead_import.pk])

    # Then the good rows are leads of the campaign, and every bad row is reported by line
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImportStatus.DONE
    assert (lead_import.total_rows, lead_import.processed_rows) == (7, 7)
    assert lead_import.created_count == 2
    assert lead_import.duplicate_count == 2
    assert lead_import.invalid_count == 3
    created = Lead.objects.exclude(pk=existing.pk)
    assert set(created.values_list("email", flat=True)) == {"ana@example.com", "fay@example.com"}
    assert set(created.values_list("campaign_id", flat=True)) == {campaign.pk}
    ana = created.get(email="ana@example.com")
    assert (ana.country, ana.score, ana.last_name) == ("ES", 70, "García")
    by_line = {(entry["line"], entry["field"]) for entry in lead_import.report}
    assert by_line == {(3, "email"), (4, "country"), (5, "email"), (6, "email"), (7, "score")}
    page = marketer_client.get(started["Location"]).content.decode()
    assert "Rows not imported" in page and "Enter a valid email address." in page
    assert f"lead {existing.pk}" in page


def test_mapping_without_the_email_column_keeps_the_choice_and_says_why(marketer, marketer_client):
    lead_import = services.import_create(actor=marketer, upload=_upload())

    response = marketer_client.post(
        reverse("imports:import_mapping", args=[lead_import.pk]),
        {"email": "", "company": "Company"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in body
    assert 'value="Company" selected' in body
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImportStatus.UPLOADED


def test_one_column_for_two_fields_is_refused(marketer, marketer_client):
    lead_import = services.import_create(actor=marketer, upload=_upload())

    response = marketer_client.post(
        reverse("imports:import_mapping", args=[lead_import.pk]),
        {"email": "Email", "company": "Email"},
    )

    assert "already used for another field" in response.content.decode()


def test_campaign_column_matches_by_name_or_number(marketer, django_capture_on_commit_callbacks):
    fair = CampaignFactory(name="Fair 2026")
    web = CampaignFactory(name="Webinar")
    content = (
        f"email,campaign\na@example.com,fair 2026\nb@example.com,{web.pk}\nc@example.com,Nope\n"
    )
    lead_import = services.import_create(actor=marketer, upload=_upload(content))
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(
            import_id=lead_import.pk,
            actor=marketer,
            mapping={"email": "email", "campaign": "campaign"},
        )

    assert Lead.objects.get(email="a@example.com").campaign == fair
    assert Lead.objects.get(email="b@example.com").campaign == web
    lead_import.refresh_from_db()
    assert lead_import.report == [
        {"line": 4, "field": "campaign", "reason": "No campaign with this name or number."}
    ]


def test_the_report_is_in_the_language_of_the_person_who_imported(marketer):
    lead_import = services.import_create(
        actor=marketer, upload=_upload("email\nnope\n"), language="es"
    )
    services.import_start(import_id=lead_import.pk, actor=marketer, mapping={"email": "email"})

    lead_import = runner.import_run(import_id=lead_import.pk)

    assert (
        lead_import.report[0]["reason"] == "Introduzca una dirección de correo electrónico válida."
    )


def test_a_second_run_of_a_finished_import_changes_nothing(marketer):
    lead_import = services.import_create(actor=marketer, upload=_upload())
    services.import_start(import_id=lead_import.pk, actor=marketer, mapping={"email": "Email"})
    runner.import_run(import_id=lead_import.pk)

    again = runner.import_run(import_id=lead_import.pk)

    assert again.created_count == 5 and Lead.objects.count() == 5


def test_an_interrupted_import_resumes_after_its_last_committed_batch(marketer, monkeypatch):
    # Given an import whose first batch of 2 rows was committed before the worker died
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    content = "email\n" + "".join(f"r{i}@example.com\n" for i in range(5))
    lead_import = services.import_create(actor=marketer, upload=_upload(content))
    services.import_start(import_id=lead_import.pk, actor=marketer, mapping={"email": "email"})
    lead_in_state("new", marketer=marketer, email="r0@example.com")
    lead_in_state("new", marketer=marketer, email="r1@example.com")
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImportStatus.RUNNING, processed_rows=2, created_count=2
    )

    # When the task runs again
    lead_import = runner.import_run(import_id=lead_import.pk)

    # Then it imports the 3 remaining rows and reports no duplicate of the first two
    assert lead_import.status == LeadImportStatus.DONE
    assert lead_import.created_count == 5 and lead_import.duplicate_count == 0
    assert Lead.objects.count() == 5


def test_progress_partial_polls_while_running_and_stops_when_done(marketer, marketer_client):
    lead_import = services.import_create(actor=marketer, upload=_upload())
    services.import_start(import_id=lead_import.pk, actor=marketer, mapping={"email": "Email"})
    url = reverse("imports:import_detail", args=[lead_import.pk])

    queued = marketer_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    runner.import_run(import_id=lead_import.pk)
    done = marketer_client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="every 1s"' in queued and "<html" not in queued
    assert 'hx-trigger="every 1s"' not in done
    assert 'max="100" value="100"' in done


def test_import_pages_are_refused_to_sales(rep):
    client = Client()
    client.force_login(rep)

    assert client.get(reverse("imports:import_start")).status_code == 403


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_runs_on_a_real_worker_and_the_page_sees_its_progress(
    marketer, celery_worker_process
):
    # Given an uploaded file of 1,200 rows (three batches), one of them bad
    rows = "".join(f"w{i}@example.com,Co {i}\n" for i in range(1199)) + "broken,Co\n"
    lead_import = services.import_create(actor=marketer, upload=_upload("email,company\n" + rows))

    # When the import is started, the worker runs it
    services.import_start(
        import_id=lead_import.pk, actor=marketer, mapping={"email": "email", "company": "company"}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lead_import.refresh_from_db()
        if lead_import.status in (LeadImportStatus.DONE, LeadImportStatus.FAILED):
            break
        time.sleep(0.2)

    # Then every good row is a lead and the bad one is reported with its line
    assert lead_import.status == LeadImportStatus.DONE, lead_import.error
    assert lead_import.created_count == 1199
    assert lead_import.report == [
        {"line": 1201, "field": "email", "reason": "Enter a valid email address."}
    ]


def test_an_import_that_fails_says_so_on_its_page_instead_of_an_error_page(
    marketer, marketer_client, django_capture_on_commit_callbacks
):
    # Given an uploaded file that disappeared from storage before the run
    lead_import = services.import_create(actor=marketer, upload=_upload())
    lead_import.file.delete(save=False)

    # When marketing starts it
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(
            reverse("imports:import_mapping", args=[lead_import.pk]), {"email": "Email"}
        )

    # Then the page answers normally and shows the import as failed
    assert response.status_code == 302
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImportStatus.FAILED
    page = marketer_client.get(response["Location"]).content.decode()
    assert "The import stopped on an unexpected error." in page


def test_import_page_runs_the_same_queries_for_2_and_20_recent_imports(marketer, marketer_client):
    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert marketer_client.get(reverse("imports:import_start")).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        services.import_create(actor=marketer, upload=_upload())
    two = measure()
    for _ in range(18):
        services.import_create(actor=marketer, upload=_upload())
    assert measure() == two
