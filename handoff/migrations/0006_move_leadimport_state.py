"""LeadImport leaves handoff for the imports app, in state only: the table and its rows stay
(imports.LeadImport keeps db_table "handoff_leadimport"; see imports/migrations/0001)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0005_leadimport"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LeadImport")],
            database_operations=[],
        ),
    ]
