"""The benchmark suite of issue 13 in small: bench/run.py --quick generates 20,000 leads with
bench/generate.py into the test database and measures one round of every figure through
gunicorn. Shape, not times: the funnel's proportions, the workflow's invariants on the
generated rows, the KPI summary API against plain SQL, and every row of the table."""

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from bench.table import ROWS
from handoff.models import Handoff, LeadEvent
from leads.models import Lead, Opportunity
from metrics.tasks import refresh_dirty_cells

ROOT = Path(__file__).resolve().parents[2]
LEADS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one(sql: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _drop_meta() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_meta")


@pytest.fixture
def suite_output(tmp_path):
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
            f":{db.get('PORT') or 5432}/{db['NAME']}"
        ),
        "DJANGO_SETTINGS_MODULE": "crm.settings.base",
        "MEDIA_ROOT": str(tmp_path),
        "BENCH_LOGS": str(tmp_path),
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    _drop_meta()
    try:
        result = subprocess.run(
            [
                sys.executable,
                "bench/run.py",
                "--leads",
                str(LEADS),
                "--quick",
                "--no-suffix",
                "--port",
                str(_free_port()),
                "--skip-fanout",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        yield result
    finally:
        _drop_meta()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_suite_generates_the_funnel_and_prints_every_figure(suite_output):
    out = suite_output.stdout
    # the run ends well
    assert suite_output.returncode == 0, out[-4000:] + suite_output.stderr[-4000:]

    # every figure of the issue is a row of the one table, each with a value, a ratio
    # column, a target and a verdict; every page and API answered 200
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert rows[0] == "| figure | 20k | ratio | target | met? |"
    for row in ROWS:
        line = next((r for r in rows if r.startswith(f"| {row.name} |")), None)
        assert line is not None, f"missing row {row.name!r} in\n{out}"
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 5, line
        assert cells[1] not in ("", "-"), line
        assert cells[4] in ("yes", "no", "n/a"), line
        assert "HTTP " not in cells[1], line
    assert re.search(r"\| data .*\| 2\d,\d{3} leads, ", out), out

    # the generated history (ids 1..LEADS) has the funnel's shape
    generated = Lead.objects.filter(pk__lte=LEADS)
    assert generated.count() == LEADS
    share = {
        field: generated.filter(**{f"{field}__isnull": False}).count() / LEADS
        for field in ("first_mql_at", "first_handed_off_at", "first_accepted_at", "converted_at")
    }
    assert 0.18 <= share["first_mql_at"] <= 0.22, share
    assert 0.13 <= share["first_handed_off_at"] <= 0.17, share
    assert 0.55 <= share["first_accepted_at"] / share["first_handed_off_at"] <= 0.65, share
    assert 0.34 <= share["converted_at"] / share["first_accepted_at"] <= 0.46, share
    opportunities = Opportunity.objects.filter(lead_id__lte=LEADS)
    won = opportunities.filter(stage="won").count() / opportunities.count()
    assert 0.18 <= won <= 0.32, won
    assert opportunities.filter(stage="lost").exclude(lost_reason="").exists()
    handoffs = Handoff.objects.filter(lead_id__lte=LEADS)
    assert handoffs.filter(outcome="rejected").exists()
    assert not handoffs.filter(outcome="rejected", reason="").exists()
    assert handoffs.filter(breached_at__isnull=False).exists()  # SLA misses
    assert handoffs.filter(outcome="reassigned").exists()
    assert _one("SELECT count(DISTINCT assignee_id) FROM handoff_handoff") == 20
    assert _one("SELECT count(*) FROM leads_campaign") == 200
    assert _one("SELECT count(*) FROM leads_campaigncost") > 200 * 30
    assert _one("SELECT count(*) FROM leads_salescost") >= 24

    # the workflow's invariants: a handed-off lead has exactly one pending handoff, to its
    # owner; every stamp has its event; every opportunity its convert event
    assert not _one(
        "SELECT count(*) FROM leads_lead l WHERE l.id <= 20000 AND (l.status = 'handed_off') "
        "<> EXISTS (SELECT 1 FROM handoff_handoff h WHERE h.lead_id = l.id "
        "AND h.outcome = 'pending' AND h.assignee_id = l.owner_id)"
    )
    assert not _one(
        "SELECT count(*) FROM leads_lead l WHERE l.id <= 20000 AND (l.first_mql_at IS NULL) "
        "= EXISTS (SELECT 1 FROM handoff_leadevent e WHERE e.lead_id = l.id "
        "AND e.to_status = 'mql' AND e.at = l.first_mql_at)"
    )
    assert not _one(
        "SELECT count(*) FROM leads_opportunity o WHERE NOT EXISTS (SELECT 1 FROM "
        "handoff_leadevent e WHERE e.opportunity_id = o.id AND e.action = 'convert' "
        "AND e.at = o.created_at)"
    )
    assert not _one(
        "SELECT count(*) FROM handoff_leadevent e JOIN leads_lead l ON l.id = e.lead_id "
        "WHERE e.at < l.created_at OR e.at > now()"
    )
    # every generated row passes the model's own validation (a sample of each)
    for model in (Lead, Handoff, Opportunity, LeadEvent):
        for obj in model.objects.order_by("?")[:100]:
            obj.full_clean(validate_unique=False, validate_constraints=True)

    # the product's KPI summary API over the whole history counts the won deals SQL counts
    refresh_dirty_cells()
    manager = get_user_model().objects.get(username="bench-manager")
    client = APIClient()
    client.force_authenticate(manager)
    today = dt.date.today()
    first = today - dt.timedelta(days=800)
    response = client.get(f"/api/v1/kpis/summary/?start={first}&end={today}")
    assert response.status_code == 200, response.content
    expected = _one(
        f"SELECT count(*) FROM leads_opportunity WHERE stage = 'won' "
        f"AND closed_at >= '{first}' AND closed_at < '{today + dt.timedelta(days=1)}'"
    )
    assert expected > 0
    assert response.json()["customers"] == expected
