"""COPY plumbing of bench/generate.py: rows streamed into PostgreSQL in chunks, the
secondary indexes dropped for the load and built again, sequences reset. Imported after
django.setup()."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

PASSWORD = "bench-pass"
REPS = 20
CAMPAIGNS = 200
DAYS = 730
CHUNK = 25_000
HOUR = 3600.0
DAY = 86400.0
SLA_HOURS = 24


def _text(value: Any) -> str:
    """One value in COPY text format (our values never hold tabs, newlines or backslashes)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


def table_columns(table: str) -> dict[str, bool | None]:
    """{column: nullable} of a table, in order ({} when the table does not exist); None for
    a column the database fills itself (identity or a default)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, CASE WHEN is_identity = 'YES' OR column_default IS NOT NULL "
            "THEN NULL ELSE is_nullable = 'YES' END FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return dict(cursor.fetchall())


class Copier:
    """COPY rows of one table: our columns in a fixed order, plus every other column of
    the table filled with its model default (or NULL), so new fields do not break it."""

    def __init__(self, model: type[models.Model] | None, table: str, columns: Sequence[str]):
        existing = table_columns(table)
        missing = [c for c in columns if c not in existing]
        if missing:
            raise SystemExit(f"{table}: columns {missing} are gone; update bench/generate.py")
        extra_cols, extra_vals = [], []
        fields = {f.column: f for f in model._meta.concrete_fields} if model else {}
        for column, nullable in existing.items():
            if column in columns or nullable is None:
                continue
            field = fields.get(column)
            if field is not None and field.has_default():
                value = field.get_db_prep_save(field.get_default(), connection)
                extra_vals.append(_text(value.adapted if hasattr(value, "adapted") else value))
            elif nullable:
                extra_vals.append(r"\N")
            elif field is not None and not field.null:
                value = field.get_db_prep_save(field.get_default(), connection)
                extra_vals.append(_text("" if value is None else value))
            else:
                raise SystemExit(f"{table}.{column} is NOT NULL without a default")
            extra_cols.append(column)
        self.table = table
        self.columns = list(columns) + extra_cols
        self.suffix = "".join("\t" + v for v in extra_vals)
        self.buffer = io.StringIO()
        self.rows = 0
        self.total = 0

    def add(self, values: Iterable[Any]) -> None:
        self.buffer.write("\t".join([_text(v) for v in values]) + self.suffix + "\n")
        self.rows += 1

    def flush(self, cursor: Any) -> None:
        if not self.rows:
            return
        self.buffer.seek(0)
        cursor.copy_expert(
            f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer, size=1 << 20
        )
        self.total += self.rows
        self.buffer = io.StringIO()
        self.rows = 0


def _ts(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


BULK_TABLES = ("leads_lead", "handoff_leadevent", "handoff_handoff", "leads_opportunity",
               "leads_touch")  # fmt: skip


def drop_indexes(tables: Iterable[str]) -> list[str]:
    """Drop the secondary indexes of these (empty) tables and return their definitions:
    building an index once after COPY is much faster than updating it row by row (a GIN
    trigram index above all). Indexes behind a constraint (primary keys, unique
    constraints) stay, so COPY still checks every key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
            [list(tables)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def create_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


def reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


# --------------------------------------------------------------------------- people and campaigns
