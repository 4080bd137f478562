"""bench/load_mixed.py in short mode: the real stack (gunicorn, a Celery worker on Redis,
PostgreSQL) under a few concurrent clients ends with no server error, no lost lead and
incremental KPIs equal to a full recompute. No timing is asserted."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_short_mixed_load_has_no_server_error_no_lost_lead_and_equal_kpis(tmp_path):
    # given the test database, seeded by the script with a small history
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
            f":{db.get('PORT') or 5432}/{db['NAME']}"
        ),
        "DJANGO_SETTINGS_MODULE": "crm.settings.base",
        "MEDIA_ROOT": str(tmp_path),
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    # when 5 clients send mixed traffic for 5 s to gunicorn and a real worker
    result = subprocess.run(
        [
            sys.executable,
            "bench/load_mixed.py",
            "--seconds",
            "5",
            "--clients",
            "5",
            "--workers",
            "2",
            "--leads",
            "200",
            "--logs",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout
    # then it says so, and it exits 0
    assert result.returncode == 0, out[-4000:] + result.stderr[-4000:]
    assert re.search(r"^server errors: 0 ", out, re.M), out
    assert re.search(r"lost leads: 0$", out, re.M), out
    assert "KPIs equal to a full recompute: yes" in out, out
    created = int(re.search(r"leads created \(201\): (\d+)", out).group(1))
    assert created >= 5  # each client starts with a capture
