"""Many rows into one table in one ``executemany``, their values converted once per value object.

``connection.execute(insert(table), rows)`` builds each row's parameters through the compiled statement, calling
every column type's bind processor on every value. A sync push writes thousands of rows whose bookkeeping values
are one object shared by the whole batch (its write time, its author, the factory of an inspection's defects), and
that conversion was a tenth of the time the push held the write lock. Here each column's processor (the very one
SQLAlchemy would call: ``type.dialect_impl(dialect).bind_processor(dialect)``) runs once per distinct value object
of the call, and the driver gets the rows as plain parameter tuples of the statement SQLAlchemy compiled.

Rows that leave out a column with a Python-side default (which SQLAlchemy would fill in), and dialects whose
parameters are neither positional nor named, go through ``insert(table)`` as before.
tests/api/test_bulk_insert.py compares both ways, row for row, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect

Plan = tuple[str, tuple[tuple[str, Callable | None], ...], bool]
# Per dialect (an engine's: its processors may hold its settings, a JSON serializer), per (table, keys): the SQL text,
# each parameter's row key and processor, and whether the parameters are positional. None: SQLAlchemy's way.
_plans: weakref.WeakKeyDictionary[Dialect, dict[tuple[Table, tuple[str, ...]], Plan | None]] = weakref.WeakKeyDictionary()


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts by column key, every row the same keys) into ``table``."""
    if not rows:
        return
    keys = tuple(rows[0])
    plan = _plan(connection.dialect, table, keys)
    if plan is None:
        connection.execute(insert(table), list(rows))
        return
    sql, parameters, positional = plan
    names = [name for name, _ in parameters]
    # Converted values by parameter and value object. The rows hold every value object until the call ends, so an
    # id is never reused while it is a key here.
    converted: list[dict[int, Any]] = [{} for _ in parameters]
    batch = []
    for row in rows:
        values = []
        for (key, process), done in zip(parameters, converted, strict=True):
            value = row[key]
            if process is not None and value is not None:
                known = done.get(id(value))
                if known is None:
                    known = done[id(value)] = process(value)
                value = known
            values.append(value)
        batch.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
    connection.exec_driver_sql(sql, batch)


def _plan(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> Plan | None:
    plans = _plans.setdefault(dialect, {})
    if (table, keys) not in plans:
        plans[(table, keys)] = _made_plan(dialect, table, keys)
    return plans[(table, keys)]


def _made_plan(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> Plan | None:
    if any(column.key not in keys and column.default is not None for column in table.columns):
        return None  # SQLAlchemy fills that default in
    # inline: no RETURNING of the generated key, which a single-row INSERT would fetch on PostgreSQL.
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(keys))
    if compiled.positional:
        names = list(compiled.positiontup or ())
    elif dialect.paramstyle in ("named", "pyformat"):
        names = list(compiled.binds)
    else:
        return None
    if sorted(names) != sorted(keys):
        return None  # a bind name SQLAlchemy escaped or added: let it build the parameters
    columns = {column.key: column for column in table.columns}
    parameters = tuple((name, columns[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names)
    return compiled.string, parameters, compiled.positional
