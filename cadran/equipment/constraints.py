"""A PostgreSQL exclusion constraint that other databases skip.

Two non-cancelled loans of one item must never share a day. PostgreSQL holds that rule
itself (``EXCLUDE USING gist``, with the ``btree_gist`` extension for the equality on the
item). SQLite has no exclusion constraints: there the constraint emits no SQL and the
services check the rule inside their (IMMEDIATE, hence serialised) transaction. The
migration is the same file on both engines (docs/decisions/0007).
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class DateRange(Func):
    """``daterange(start, end, '[]')``: both days included."""

    function = "DATERANGE"
    output_field = DateRangeField()


def _is_postgres(connection) -> bool:
    return connection.vendor == "postgresql"


class PostgresExclusionConstraint(ExclusionConstraint):
    """:class:`ExclusionConstraint` on PostgreSQL; nothing on other databases."""

    def constraint_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if not _is_postgres(connections[using]):
            return
        super().validate(model, instance, exclude=exclude, using=using)
