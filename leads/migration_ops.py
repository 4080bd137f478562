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


class AddIndexOnPostgres(migrations.operations.base.Operation):
    """Build an index that only PostgreSQL can hold (a GIN trigram index), without locking
    writes (`CREATE INDEX CONCURRENTLY`: the migration must be `atomic = False`).

    The index stays out of the model state, since the model also runs on SQLite (the
    embedded default), where this operation does nothing and queries simply run unindexed.
    """

    reduces_to_sql = False
    reversible = True

    def __init__(self, model_name: str, index: Any) -> None:
        self.model_name = model_name
        self.index = index

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _applies(self, app_label: str, schema_editor: Any, state: Any) -> Any:
        model = state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql":
            return None
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        return model

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = self._applies(app_label, schema_editor, to_state)
        if model is not None:
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = self._applies(app_label, schema_editor, from_state)
        if model is not None:
            schema_editor.remove_index(model, self.index, concurrently=True)

    def describe(self) -> str:
        return f"Create index {self.index.name} on {self.model_name} (PostgreSQL only)"

    def deconstruct(self) -> tuple[str, list, dict]:
        return (self.__class__.__name__, [], {"model_name": self.model_name, "index": self.index})
