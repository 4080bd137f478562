"""LeadImport moved from handoff to imports without moving data: a row written before the
move is read through the new model after it, and its content type follows it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from imports.models import LeadImport

BEFORE = [("imports", None), ("handoff", "0005_leadimport")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_written_before_the_move_is_read_after_it(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    try:
        # Given the database as it was before the move, with one import in handoff's table
        old_apps = _migrate(BEFORE)
        User = old_apps.get_model("auth", "User")
        OldImport = old_apps.get_model("handoff", "LeadImport")
        ContentType = old_apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(model="leadimport").delete()
        old_type = ContentType.objects.create(app_label="handoff", model="leadimport")
        user = User.objects.create(username="mover")
        old = OldImport.objects.create(
            file="imports/2026/11/a.csv",
            original_name="a.csv",
            columns=["email"],
            mapping={"email": "email"},
            status="done",
            total_rows=3,
            created_count=3,
            created_by_id=user.pk,
        )

        # When the migrations run forward
        new_apps = _migrate(_leaves())

        # Then the same row is read through imports.LeadImport, and the content type moved
        moved = LeadImport.objects.get(pk=old.pk)
        assert (moved.original_name, moved.status, moved.created_count) == ("a.csv", "done", 3)
        assert moved.created_by_id == user.pk
        NewType = new_apps.get_model("contenttypes", "ContentType")
        assert NewType.objects.get(pk=old_type.pk).app_label == "imports"
    finally:
        _migrate(_leaves())
