"""Lead search (leads/search.py): the same answers as the four-column `icontains` it replaced
and as SQLite, served on PostgreSQL by the trigram index the migration builds (the planner
picks it), an exact path for a full email, and a constant number of queries per search."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from leads.models import Lead
from leads.search import INDEX_NAME, search_leads
from tests.api.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]

# (email, first name, last name, company): names that share pieces, two emails where one
# holds the other, and letters that only match case-insensitively.
PEOPLE = [
    ("mary.smith@acme.com", "Mary", "Smith", "Acme Systems"),
    ("jimbob@acme.com", "Jim", "Bobson", "Acme Labs"),
    ("bob@acme.com", "Bob", "Stone", "Globex"),
    ("j.smithers@initech.io", "John", "Smithers", "Initech"),
    ("anna@umbrella.org", "Anna", "Johnson", "Umbrella Health"),
    ("x@y.eu", "", "", ""),
    ("peter.parker@dailybugle.com", "Peter", "Parker", "Daily Bugle"),
    ("o'neil@mail.ie", "Sean", "O'Neil", "Smith & Sons"),
]
SEARCHES = [
    "zzqxv",  # no match
    "bob@acme.com",  # a full email (exact path)
    "nobody@acme.com",  # a full email no lead has: the substring path answers
    "@acme.com",  # a domain
    "mary smith",  # two words, one field each
    "SMITH",  # a word in names, emails and a company
    "smi acme",  # partial words across fields
    "john",  # first name of one, part of a last name of another
    "o'neil",
    "100%",  # LIKE wildcards are literal
    "a_b",
    "   ",  # blank: every lead
    "a b c d e f g",  # only the first five words count
]


def _reference(value: str) -> set[str]:
    """The search before the trigram index: four `icontains`, AND of words; "@": email."""
    value = value.strip()
    leads = Lead.objects.all()
    if not value:
        return set(leads.values_list("email", flat=True))
    if "@" in value:
        return set(leads.filter(email__icontains=value.lower()).values_list("email", flat=True))
    terms = Q()
    for word in value.split()[:5]:
        terms &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__icontains=word)
            | Q(email__icontains=word)
        )
    return set(leads.filter(terms).values_list("email", flat=True))


def _people() -> None:
    Lead.objects.bulk_create(
        Lead(email=e, first_name=f, last_name=la, company=c) for e, f, la, c in PEOPLE
    )


def _found(value: str) -> set[str]:
    return set(search_leads(Lead.objects.all(), value).values_list("email", flat=True))


@pytest.mark.django_db
def test_search_finds_what_the_four_icontains_found(db):
    _people()
    for value in SEARCHES:
        expected = _reference(value)
        if value == "bob@acme.com":
            expected = {"bob@acme.com"}  # a full email a lead has: that lead only
        assert _found(value) == expected, value


@pytest.mark.django_db
def test_the_answers_for_the_benchmarked_searches(db):
    _people()
    assert _found("zzqxv") == set()
    assert _found("bob@acme.com") == {"bob@acme.com"}
    assert _found("@acme.com") == {"mary.smith@acme.com", "jimbob@acme.com", "bob@acme.com"}
    assert _found("mary smith") == {"mary.smith@acme.com"}
    assert _found("smi") == {"mary.smith@acme.com", "j.smithers@initech.io", "o'neil@mail.ie"}
    assert _found("Smith Sons") == {"o'neil@mail.ie"}


@pytest.mark.django_db
def test_sqlite_answers_the_same(db, tmp_path):
    """The embedded default (SQLite, no trigram index) runs the same query: same results."""
    _people()
    here = {value: sorted(_found(value)) for value in SEARCHES}
    script = (
        "import json, sys, django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from leads.models import Lead\n"
        "from leads.search import search_leads\n"
        "for e, f, la, co in json.loads(sys.argv[1]):\n"
        "    Lead.objects.create(email=e, first_name=f, last_name=la, company=co)\n"
        "print(json.dumps({v: sorted(search_leads(Lead.objects.all(), v)"
        ".values_list('email', flat=True)) for v in json.loads(sys.argv[2])}))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            json.dumps(PEOPLE),
            json.dumps(SEARCHES),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    there = json.loads(out.strip().splitlines()[-1])
    assert there == here


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_migration_built_the_extension_and_the_indexes(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leads_lead'")
        indexes = dict(cursor.fetchall())
    assert "USING gin" in indexes[INDEX_NAME] and "gin_trgm_ops" in indexes[INDEX_NAME]
    for column in ("first_name", "last_name", "company", "email"):
        assert column in indexes[INDEX_NAME]
    assert re.search(r"btree \(email\)$", indexes["lead_email_idx"])


def _plan(queryset) -> str:
    """The plan of the lead list's query, with only bitmap scans allowed (GIN's only kind),
    so that a small test table still shows which index would answer."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return queryset.explain()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_planner_answers_searches_from_the_trigram_index(db):
    _people()
    base = Lead.objects.select_related("campaign", "owner").order_by("-created_at", "-id")
    for value in ("zzqxv", "mary smith", "@acme.com", "nobody@acme.com"):
        plan = _plan(search_leads(base, value)[:51])
        assert INDEX_NAME in plan, (value, plan)
        assert "Seq Scan on leads_lead" not in plan
    exact = _plan(base.filter(email="bob@acme.com")[:51])
    assert "lead_email_idx" in exact


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(
    ("query", "queries"),
    # session, user, roles, unread notices, the page; the page's form lists campaigns and
    # reps; a full email a lead has: one more (its exact match exists)
    [("zzqxv", 7), ("Mary Smith", 8), ("bob@acme.com", 9)],
)
def test_the_lead_list_page_search_has_a_constant_query_count(
    marketer, size, query, queries, django_assert_num_queries
):
    _people()
    Lead.objects.bulk_create(
        Lead(email=f"more{n}@example.com", first_name="Mary", last_name=f"Smith{n}")
        for n in range(size)
    )
    client = Client()
    client.force_login(marketer)
    with django_assert_num_queries(queries):
        response = client.get(reverse("handoff:lead_list"), {"q": query})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(
    ("query", "queries"), [("zzqxv", 5), ("Mary Smith", 6), ("bob@acme.com", 7)]
)
def test_the_lead_api_search_has_a_constant_query_count(
    marketer, size, query, queries, django_assert_num_queries
):
    _people()
    Lead.objects.bulk_create(
        Lead(email=f"more{n}@example.com", first_name="Mary", last_name=f"Smith{n}")
        for n in range(size)
    )
    with django_assert_num_queries(queries):
        response = client_for(marketer).get("/api/v1/leads/", {"q": query})
    assert response.status_code == 200
