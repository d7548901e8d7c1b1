"""Server-side push throughput: the workload's mutations through the push service, against a raw
``executemany`` of the rows that push wrote, into the same tables of a twin database, in one SQLite
transaction. Both databases are built the same way (migrated, same reference data), in this process.
"""

from __future__ import annotations

import io
import sqlite3
import time
import uuid
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path

from .seamline_world import build_app, target
from .workload import Record

BATCH = 500  # what the app and the Python client send per push (PROTOCOL.md 2.9)
TABLES = ("inspections", "inspection_defects")


@dataclass
class PushThroughput:
    mutations: int
    push_s: float
    raw_rows: int
    raw_s: float


def measure(workdir: Path, records: list[Record], target_name: str) -> PushThroughput:
    pushed_db, raw_db = workdir / "push.db", workdir / "raw.db"
    push_s = _push(pushed_db, records, target_name)
    rows = {table: _rows(pushed_db, table) for table in TABLES}
    with redirect_stderr(io.StringIO()):  # the migrations' log lines
        build_app(f"sqlite:///{raw_db}", [target_name])  # the twin: same migrations, same reference data
    raw_s = _executemany(raw_db, rows)
    return PushThroughput(len(records), push_s, sum(len(r[1]) for r in rows.values()), raw_s)


def _push(path: Path, records: list[Record], target_name: str) -> float:
    from server.extensions import db
    from server.gc_pause import collector_paused
    from server.models import User
    from server.schemas.sync import PushSchema
    from server.services.sync_push import push

    with redirect_stderr(io.StringIO()):  # the migrations' log lines
        app = build_app(f"sqlite:///{path}", [target_name])
    client_id = "peer-bench-server-push-0001"
    with app.app_context():
        user = db.session.get(User, uuid.UUID(target(target_name).inspector_id))
        # Parsed as the view parses them (record ids become UUIDs), before the clock starts.
        batches = [PushSchema().load({
            "client_id": client_id, "protocol_version": 1, "schema_version": 1,
            "mutations": [{"id": start + n + 1, "entity": r.entity, "op": "upsert", "record_id": r.id,
                           "fields": r.fields, "base_version": None}
                          for n, r in enumerate(records[start:start + BATCH])]})
            for start in range(0, len(records), BATCH)]
        started = time.perf_counter()
        for payload in batches:
            with collector_paused():  # as the push view runs it
                answer = push(user, payload)
            refused = [r for r in answer["results"] if r["status"] != "applied"]
            if refused:
                raise RuntimeError(f"server push refused mutations: {refused[:3]}")
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed


def _rows(path: Path, table: str) -> tuple[list[str], list[tuple]]:
    with sqlite3.connect(path) as connection:
        cursor = connection.execute(f"SELECT * FROM {table}")
        return [c[0] for c in cursor.description], cursor.fetchall()


def _executemany(path: Path, rows: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """The same rows, as stored, in one transaction with the server's own SQLite settings."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        for table, (columns, values) in rows.items():
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()
