"""The inbox's queue: a rep's pending handoffs in due order (partial index)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0008_rollup_time_bounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(
                condition=models.Q(("outcome", "pending")),
                fields=["assignee", "sla_due_at", "id"],
                name="handoff_pending_queue_idx",
            ),
        ),
    ]
