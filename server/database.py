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
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server import wal_checkpoint

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
        cursor.execute("PRAGMA busy_timeout = 30000")
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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
