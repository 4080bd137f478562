"""Migration operations shared by the apps' migrations."""

from typing import Any

from django.db import migrations


class AddConstraintNotValid(migrations.AddConstraint):
    """AddConstraint that, on PostgreSQL, checks new and changed rows only (`NOT VALID`).

    A bound added to a table that may already hold an out-of-bounds row (an old entry dated
    9999-12-31) must not stop the deploy: the old row stays until someone fixes it (the KPI
    refresh isolates it meanwhile), every write from now on is checked. Run
    `ALTER TABLE ... VALIDATE CONSTRAINT <name>` once the old rows are fixed. Other
    databases get the plain constraint.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql" or not self.allow_migrate_model(
            schema_editor.connection.alias, model
        ):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        sql = self.constraint.create_sql(model, schema_editor)
        schema_editor.execute(f"{sql} NOT VALID")
