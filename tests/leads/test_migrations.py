"""The bounds arrive on a database that already holds out-of-bounds rows: the migration
does not fail on them (NOT VALID), new writes are checked, and the refresh isolates the
old rows instead of failing on them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from leads.models import CampaignCost, SalesCost
from metrics import refresh
from metrics.models import DirtyCell, SalesCostDay

BEFORE = [("leads", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_out_of_bounds_rows_do_not_stop_the_migration_or_the_refresh():
    try:
        # Given the database before the bounds, with a cost dated 9999-12-31 and the largest
        # sales cost the old column took
        old_apps = _migrate(BEFORE)
        Campaign = old_apps.get_model("leads", "Campaign")
        OldCost = old_apps.get_model("leads", "CampaignCost")
        OldSales = old_apps.get_model("leads", "SalesCost")
        campaign = Campaign.objects.create(name="Old", channel="seo", start_date="2020-01-01")
        OldCost.objects.create(campaign=campaign, date="9999-12-31", amount=Decimal("1"))
        OldSales.objects.create(date="2026-01-15", amount=Decimal("999999999999.99"))
        OldSales.objects.create(date="2026-01-15", amount=Decimal("999999999999.99"))

        # When the migrations run forward
        _migrate(_leaves())

        # Then the old rows are still there, and new out-of-bounds rows are refused
        assert CampaignCost.objects.filter(date=dt.date(9999, 12, 31)).count() == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            SalesCost.objects.create(date="2026-01-16", amount=Decimal("999999999999.99"))
        # And a full recompute works: the day's old total fits the widened rollup column,
        # and the 9999 row is recorded as a failed cell naming it
        refresh.recompute_all()
        assert SalesCostDay.objects.get(day=dt.date(2026, 1, 15)).sales_cost == Decimal(
            "1999999999999.98"
        )
        failed = DirtyCell.objects.get()
        assert failed.day == dt.date(9999, 12, 31) and "outside the KPI window" in failed.last_error
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM metrics_dirtycell")
            cursor.execute("DELETE FROM leads_campaigncost WHERE date > '2100-12-31'")
            cursor.execute("DELETE FROM leads_salescost")
        _migrate(_leaves())
