"""The move of Notification from handoff to notifications keeps every row: a notice written
through handoff's historical model is read through the new one, and its content type (so
its permissions) now belongs to notifications."""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from notifications.models import Notification

BEFORE_THE_MOVE = [("handoff", "0005_leadimport"), ("notifications", None)]
OLD_STATE = [("handoff", "0005_leadimport"), ("contenttypes", "0002_remove_content_type_name")]
OLD_STATE = [("handoff", "0005_leadimport"), ("contenttypes", "0002_remove_content_type_name")]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notice_written_before_the_move_is_read_after_it() -> None:
    executor = _executor()
    executor.migrate(BEFORE_THE_MOVE)
    try:
        old_apps = _executor().loader.project_state(OLD_STATE).apps
        OldNotification = old_apps.get_model("handoff", "Notification")
        OldUser = old_apps.get_model(settings.AUTH_USER_MODEL)
        user = OldUser.objects.create(username="before-the-move", email="b@example.com")
        old = OldNotification.objects.create(
            recipient=user, kind="sla_reminder", message="Respond to Ana by 2026-01-01 10:00."
        )
        old_type = old_apps.get_model("contenttypes", "ContentType")
        old_type.objects.get_or_create(app_label="handoff", model="notification")
    finally:
        executor = _executor()
        executor.migrate(executor.loader.graph.leaf_nodes())

    note = Notification.objects.get(pk=old.pk)
    assert (note.recipient.username, note.kind, note.code, note.params) == (
        "before-the-move",
        "sla_reminder",
        "",
        {},
    )
    with translation.override("es"):
        assert note.text == "Respond to Ana by 2026-01-01 10:00."
    assert ContentType.objects.filter(app_label="notifications", model="notification").exists()
    assert not ContentType.objects.filter(app_label="handoff", model="notification").exists()
