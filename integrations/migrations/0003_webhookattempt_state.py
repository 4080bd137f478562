"""The state of a webhook attempt (in flight, done, interrupted): the row is written before
the POST. Attempts logged before this migration were all completed, so they start `done`."""

from django.db import migrations, models

STATES = [("in_flight", "In flight"), ("done", "Done"), ("interrupted", "Interrupted")]


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_content_types_from_crm"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookattempt",
            name="state",
            field=models.CharField(
                choices=STATES, default="done", max_length=12, verbose_name="state"
            ),
        ),
        migrations.AlterField(
            model_name="webhookattempt",
            name="state",
            field=models.CharField(
                choices=STATES, default="in_flight", max_length=12, verbose_name="state"
            ),
        ),
    ]
