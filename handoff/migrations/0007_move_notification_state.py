"""Notification moved to the `notifications` app: drop it from handoff's state only; the
table (handoff_notification) and its rows stay, and notifications 0001 takes them over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("handoff", "0006_move_leadimport_state")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        )
    ]
