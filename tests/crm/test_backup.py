"""Backup and restore as the README documents it: `pg_dump -Fc`, then `pg_restore` into a new
database, gives the same KPI summary (read by another process from the restored copy)."""

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from metrics.management.commands.kpi_summary import as_json, kpi_report
from tests.crm.stack import ROOT
from tests.factories import ensure_migration_data

pytestmark = pytest.mark.postgres


def _pg(program: str, *args: str) -> subprocess.CompletedProcess:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [
        program,
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db["USER"],
        *args,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{command}: {result.stderr}"
    return result


# Transactional (the dump must see committed rows); serialized_rollback puts back the
# data-migration rows with their ids for the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dump_restored_into_a_new_database_gives_the_same_kpis(tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore must be installed (postgresql-client)")
    # Given the roles (a transactional test before may have flushed them), a year of
    # history seeded through the workflow, and its KPIs computed
    ensure_migration_data()
    call_command("seed_demo", leads=60, stdout=io.StringIO())
    call_command("recompute_kpis", stdout=io.StringIO())
    end = timezone.localdate()
    start = end - dt.timedelta(days=364)
    before = as_json(kpi_report(start, end))
    summary = json.loads(before)["summary"]
    assert summary["leads"] > 0 and summary["handoffs"] > 0
    assert summary["accepted"] > 0 and float(summary["marketing_spend"]) > 0

    # When the database is dumped and the dump restored into a new database
    db = settings.DATABASES["default"]
    dump = tmp_path / "crm.dump"
    _pg("pg_dump", "--format=custom", "--file", str(dump), db["NAME"])
    restored = f"{db['NAME']}_restored_{os.getpid()}"
    _pg("createdb", restored)
    try:
        _pg("pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump))

        # Then the KPI summary read from the restored copy, by another process, is the same
        url = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
            f":{db.get('PORT') or 5432}/{restored}"
        )
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        result = subprocess.run(
            [sys.executable, "manage.py", "kpi_summary", "--start", str(start), "--end", str(end)],
            cwd=ROOT,
            env={**env, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == before
    finally:
        _pg("dropdb", "--if-exists", "--force", restored)
