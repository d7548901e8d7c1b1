"""server.bulk_insert against SQLAlchemy's own INSERT: the same rows read back the same, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert, select

from server.bulk_insert import insert_rows
from server.extensions import db
from server.models import AuditEntry

COLUMNS = ("version", "table_name", "record_id", "action", "changes", "actor_id", "source", "client_id", "at")


def _entries(tag: str) -> list[dict]:
    """Audit rows with values of every kind a push writes: shared value objects (one write time, one author) beside
    values of their own, None, JSON with nesting and non-ASCII text, and times in two time zones."""
    at = dt.datetime(2026, 12, 2, 18, 30, 15, 123456, tzinfo=dt.UTC)
    actor = uuid.uuid4()
    elsewhere = dt.timezone(dt.timedelta(hours=5, minutes=30))
    rows = []
    for n in range(40):
        rows.append({
            "version": 1000 + n, "table_name": tag, "record_id": uuid.uuid4(), "action": "insert",
            "changes": {"note": [None, f"défaut n°{n}"], "sample": [n, n + 1], "nested": {"a": [1, {"b": None}]}},
            "actor_id": None if n % 7 == 0 else actor, "source": "sync", "client_id": None if n % 5 else f"c-{n}",
            "at": at if n % 3 else at.astimezone(elsewhere) + dt.timedelta(seconds=n),
        })
    return rows


def _read(tag: str) -> list[tuple]:
    found = db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == tag).order_by(AuditEntry.version))
    return [tuple(getattr(entry, name) for name in COLUMNS) for entry in found]


def test_rows_read_back_as_sqlalchemys_own_insert_stores_them(app):
    with app.app_context():
        ours = _entries("ours")
        theirs = [{**row, "table_name": "theirs"} for row in ours]  # the same values, under another tag
        connection = db.session.connection()
        insert_rows(connection, AuditEntry.__table__, ours)
        connection.execute(insert(AuditEntry.__table__), theirs)
        db.session.commit()
        read_ours, read_theirs = _read("ours"), _read("theirs")
        assert len(read_ours) == 40
        assert [row[:1] + row[2:] for row in read_ours] == [row[:1] + row[2:] for row in read_theirs]
        # And as given: times as the same instants, in UTC.
        assert [row[-1] for row in read_ours] == [entry["at"] for entry in ours]
        assert all(row[-1].tzinfo is not None for row in read_ours)


def test_a_defaulted_column_left_out_is_filled_in_as_sqlalchemy_does(app):
    """SQLAlchemy fills a Python-side default in (an audit entry's time): such rows go its way."""
    with app.app_context():
        rows = [{name: value for name, value in row.items() if name != "at"} for row in _entries("defaulted")]
        before = dt.datetime.now(dt.UTC)
        insert_rows(db.session.connection(), AuditEntry.__table__, rows)
        db.session.commit()
        times = [row[-1] for row in _read("defaulted")]
        assert len(times) == 40 and all(time >= before - dt.timedelta(seconds=1) for time in times)
