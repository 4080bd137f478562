"""The read replica router (crm/db_router.py).

The replica here is the test database under a second alias (`replica`, a test mirror of
`default`): the data is the same, so what these tests prove is the routing, i.e. which
alias (which connection) served each query, read through each connection's own query log.
They do not prove anything about replication lag; the rule that protects against it (a
request's reads after its first write go to the primary) is what they check instead.
"""

import datetime as dt

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.db_router import replica_reads
from handoff import services
from leads.models import Lead
from tests.api.conftest import client_for
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "replica"]
)


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True


def _queries(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


def test_kpi_api_reads_domain_data_from_the_replica_and_auth_from_the_primary(
    replica_on, manager
) -> None:
    client = client_for(manager)
    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    with _queries("replica") as replica, _queries("default") as primary:
        r = client.get(f"/api/v1/kpis/summary/?start={start}&end={today}")
    assert r.status_code == 200
    replica_tables = " ".join(q["sql"] for q in replica.captured_queries)
    primary_tables = " ".join(q["sql"] for q in primary.captured_queries)
    assert replica.captured_queries, "the KPI summary read nothing from the replica"
    assert "metrics_" in replica_tables
    # the token and the user's roles are read from the primary only
    assert "crm_apitoken" in primary_tables and "crm_apitoken" not in replica_tables
    assert "auth_group" not in replica_tables


def test_without_the_setting_everything_stays_on_the_primary(manager) -> None:
    client = client_for(manager)
    today = timezone.localdate()
    with _queries("replica") as replica:
        r = client.get(f"/api/v1/kpis/summary/?start={today}&end={today}")
    assert r.status_code == 200
    assert replica.captured_queries == []


def test_writes_and_unlisted_paths_never_use_the_replica(replica_on, marketer) -> None:
    client = client_for(marketer)
    with _queries("replica") as replica:
        assert (
            client.post("/api/v1/leads/", {"email": "w@example.com"}, format="json").status_code
            == 201
        )
        assert client.get("/api/v1/leads/").status_code == 200
    assert replica.captured_queries == []


def test_a_read_after_a_write_in_the_scope_reads_the_primary(replica_on, marketer) -> None:
    campaign = CampaignFactory()
    with replica_reads():
        with _queries("replica") as replica:
            assert Lead.objects.count() == 0  # before any write: the replica
        assert len(replica.captured_queries) == 1
        lead = services.lead_capture(actor=marketer, email="r@example.com", campaign_id=campaign.pk)
        with _queries("replica") as replica, _queries("default") as primary:
            assert Lead.objects.filter(pk=lead.pk).exists()  # after it: the primary
        assert replica.captured_queries == [] and len(primary.captured_queries) == 1
    # a new scope starts on the replica again
    with replica_reads(), _queries("replica") as replica:
        Lead.objects.count()
    assert len(replica.captured_queries) == 1


def test_reads_inside_a_transaction_use_the_primary(replica_on) -> None:
    with replica_reads(), transaction.atomic(), _queries("replica") as replica:
        Lead.objects.count()
    assert replica.captured_queries == []


def test_migrations_only_run_on_the_primary() -> None:
    from crm.db_router import ReplicaRouter

    router = ReplicaRouter()
    assert router.allow_migrate("default", "leads") is True
    assert router.allow_migrate("replica", "leads") is False
