"""Per-connection database settings and SQLite's transaction handling.

SQLite: WAL journal, foreign keys on, a busy timeout, and explicit
``BEGIN IMMEDIATE`` for transactions that will write. A deferred transaction
that reads and then writes fails at once with SQLITE_BUSY when another writer
committed in between; taking the write lock up front makes such transactions
wait their turn instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sqlite3
import time
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server import wal_checkpoint

# How long a connection waits for another's write lock before its statement fails ("database is locked": 503).
BUSY_TIMEOUT_MS = 30_000

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("seamline_write_intent", default=False)


def declare_write_intent(value: bool = True) -> contextvars.Token:
    """The next transaction begun in this context will write (SQLite: BEGIN IMMEDIATE)."""
    return _write_intent.set(value)


def reset_write_intent(token: contextvars.Token) -> None:
    _write_intent.reset(token)


@contextlib.contextmanager
def read_apart(session) -> Iterator[None]:
    """Run the block's reads in a transaction of their own that takes no write lock, and end it afterwards.

    For what a writing request reads before its own work starts (who is asking): on SQLite its transaction
    would otherwise begin with BEGIN IMMEDIATE and wait there for any other writer's commit, so a request
    could not even be authenticated and parsed while another one writes. The objects read stay loaded (the
    transaction ends without expiring them); the request's next query begins its own transaction, as a writer.
    """
    token = declare_write_intent(False)
    try:
        yield
    finally:
        reset_write_intent(token)
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            commit_keeping_loaded(session)


def commit_keeping_loaded(session) -> None:
    """Commit without expiring the session's objects: they keep the values they were committed with."""
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    path = engine.url.database
    # A database file named by path: its log is checkpointed in the background (server.wal_checkpoint).
    checkpointed_aside = bool(path) and path != ":memory:" and not path.startswith("file:")

    @event.listens_for(engine, "do_connect")
    def _create_database_folder(_dialect, _record, _cargs, _cparams):
        # The default database lives in the instance folder, absent on a fresh clone:
        # make it at the first connection (never at import or app creation).
        if checkpointed_aside:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            if checkpointed_aside:
                cursor.execute(f"PRAGMA wal_autocheckpoint = {wal_checkpoint.BACKSTOP_PAGES}")
        cursor.close()

    if checkpointed_aside:
        wal_checkpoint.attach(engine, os.path.abspath(path))

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        if _write_intent.get():
            _begin_writing(connection)
        else:
            connection.exec_driver_sql("BEGIN")


def _begin_writing(connection) -> None:
    """BEGIN IMMEDIATE, trying again every millisecond while another connection writes, up to the busy timeout.

    SQLite's own busy handler sleeps longer and longer between its tries (up to 100 ms each), so a writer
    queued behind another's half-second push began on average 50 ms after that push committed, the lock idle
    meanwhile (measured: 50 ms; 1 ms so). A device's next push, ready and waiting for the lock while the one
    before it writes (PROTOCOL.md 2.4.1), lost that at every batch."""
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as error:
                busy = getattr(error, "sqlite_errorcode", None)
                if busy is None or busy & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    break  # any extended SQLITE_BUSY_* code is busy too
            time.sleep(0.001)
        # Not begun (still locked, or another failure): once more through SQLAlchemy, so the error reaches the
        # client as every database error does (locked: 503 unavailable), not as a bare sqlite3 exception.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
