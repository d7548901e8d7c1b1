"""Which tables PostgreSQL reads whole for the SQL an app really runs.

    with captured_selects(engine) as statements:
        ... drive the app through its test client ...
    problems = seq_scans_of_large_tables(connection, statements)

Every SELECT the engine runs is captured (``before_cursor_execute``) with its parameters and its
label (whatever the caller is doing, e.g. "GET /api/v1/inspections as manager"), then explained
with ``EXPLAIN (FORMAT JSON)`` and the same parameters. A ``Seq Scan`` of a table holding more than
``large_rows`` rows (pg_class.reltuples, after ANALYZE) is a problem, unless the statement really
needs a good part of the table: the planner expects the scan to keep at least ``whole_fraction`` (a
tenth) of its rows, where reading the table in order costs less than an index's random reads, and no
``LIMIT`` stops reading early (a count or a sum over everything a manager sees, a full export, one of
three inspection types). The planner runs with its normal settings: seq scans are never disabled.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

LARGE_ROWS = 5000
WHOLE_FRACTION = 0.1


@dataclass
class Captured:
    label: str
    statement: str
    parameters: object


@dataclass
class Capture:
    label: str = ""
    statements: list[Captured] = field(default_factory=list)


@contextlib.contextmanager
def captured_selects(engine: Engine):
    """Capture every SELECT run on ``engine``; set ``capture.label`` to say who runs the next ones."""
    capture = Capture()

    def _before(_conn, _cursor, statement, parameters, _context, executemany):
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head in ("SELECT", "WITH") and not executemany:
            capture.statements.append(Captured(capture.label, statement, parameters))

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield capture
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def _table_sizes(connection: Connection) -> dict[str, float]:
    rows = connection.execute(text("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
                                   "AND relnamespace = 'public'::regnamespace"))
    return {name: tuples for name, tuples in rows}


def plan_of(connection: Connection, statement: str, parameters) -> dict:
    raw = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def _nodes(plan: dict, limited: bool = False):
    """(node, whether a Limit above it may stop reading early) for every node of the plan."""
    yield plan, limited
    below_limit = limited or plan["Node Type"] == "Limit"
    for child in plan.get("Plans", []):
        yield from _nodes(child, below_limit)


def seq_scans_of_large_tables(connection: Connection, statements: list[Captured], large_rows: int = LARGE_ROWS,
                              whole_fraction: float = WHOLE_FRACTION) -> list[str]:
    """A description of each statement that reads a large table whole without needing most of it."""
    sizes = _table_sizes(connection)
    problems, seen = [], set()
    for captured in statements:
        key = (captured.statement, repr(captured.parameters))
        if key in seen:
            continue
        seen.add(key)
        for node, limited in _nodes(plan_of(connection, captured.statement, captured.parameters)):
            if node["Node Type"] != "Seq Scan":
                continue
            table = node["Relation Name"]
            rows = sizes.get(table, 0)
            if rows <= large_rows:
                continue
            kept = node["Plan Rows"] / rows
            if kept >= whole_fraction and not limited:
                continue
            problems.append(f"Seq Scan on {table} ({rows:.0f} rows, plan keeps {node['Plan Rows']}"
                            f"{', under a LIMIT' if limited else ''}) in {captured.label}:\n"
                            f"    {' '.join(captured.statement.split())}\n    parameters: {captured.parameters}")
    return problems
