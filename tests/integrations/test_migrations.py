"""The move of the integrations models from crm keeps their rows (state-only migrations)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integrations.models import WebhookSubscription

BEFORE = [("crm", "0001_initial")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_subscription_written_before_the_move_is_read_after_it():
    # Given the database as it was before the move, with a row in crm's table
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    OldSubscription = old_apps.get_model("crm", "WebhookSubscription")
    OldSubscription.objects.create(
        url="https://example.com/hook", events=["lead.created"], secret="s"
    )
    try:
        # When it is migrated forward
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
        # Then the row is read through the new model
        subscription = WebhookSubscription.objects.get()
        assert subscription.url == "https://example.com/hook"
        assert subscription._meta.db_table == "crm_webhooksubscription"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        WebhookSubscription.objects.all().delete()
