"""When an import was queued, so the beat sweep can re-queue one the broker never got."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_leadimport_content_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="leadimport",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="queued at"),
        ),
    ]
