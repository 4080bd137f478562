"""The beat sweep that queues again an import the broker never got, and runs of one import
that overlap never import a row twice."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from imports import runner, services
from imports.models import LeadImport, LeadImportStatus
from imports.tasks import imports_requeue_stuck
from leads.models import Lead


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _queued_import(marketer, rows: int = 3) -> LeadImport:
    content = "email\n" + "".join(f"s{i}@example.com\n" for i in range(rows))
    upload = SimpleUploadedFile("leads.csv", content.encode(), content_type="text/csv")
    lead_import = services.import_create(actor=marketer, upload=upload)
    return services.import_start(
        import_id=lead_import.pk, actor=marketer, mapping={"email": "email"}
    )


@pytest.mark.django_db
def test_the_sweep_requeues_only_imports_queued_for_longer_than_the_wait(marketer, settings):
    # Given two imports left queued (their task never reached a worker), one just now
    settings.IMPORT_REQUEUE_AFTER_SECONDS = 120
    old, recent = _queued_import(marketer), _queued_import(marketer)
    LeadImport.objects.filter(pk=old.pk).update(
        queued_at=timezone.now() - dt.timedelta(seconds=121)
    )
    # When the beat sweep runs (tasks run in process here)
    assert imports_requeue_stuck() == 1
    # Then the old one ran, the recent one still waits for its own message
    statuses = dict(LeadImport.objects.values_list("pk", "status"))
    assert statuses == {old.pk: LeadImportStatus.DONE, recent.pk: LeadImportStatus.QUEUED}
    # and a second sweep has nothing to do
    assert imports_requeue_stuck() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_of_one_import_at_once_import_each_row_once(marketer, monkeypatch):
    # Given a queued import of 9 rows in batches of 2 (its message not sent)
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    content = "email\n" + "".join(f"s{i}@example.com\n" for i in range(9))
    upload = SimpleUploadedFile("leads.csv", content.encode(), content_type="text/csv")
    lead_import = services.import_create(actor=marketer, upload=upload)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImportStatus.QUEUED, mapping={"email": "email"}, queued_at=timezone.now()
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(5)
            runner.import_run(import_id=lead_import.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # When two workers run it at the same moment (a late message and the sweep's)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Then each row was imported once and the counts are exact
    assert errors == []
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImportStatus.DONE
    assert (lead_import.processed_rows, lead_import.created_count) == (9, 9)
    assert lead_import.duplicate_count == 0 and lead_import.report == []
    assert Lead.objects.filter(email__startswith="s").count() == 9
