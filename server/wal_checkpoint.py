"""SQLite's write-ahead log, checkpointed beside the requests rather than inside one.

By default SQLite checkpoints inside the COMMIT that takes the log past 1,000 pages: whichever request crosses
that line copies the whole log into the database file, with its fsyncs, before it can answer. For a push of 600
edits into a database of 60,000 records that was 60 of its 400 ms (its rows sit on pages all over the tables).

Here a transaction that changed rows marks its connection as it commits, and when the connection goes back to the pool its
database is handed to one background thread per process, which runs a PASSIVE checkpoint: it never waits for
and never blocks a reader or a writer, and copies what it can. Its SQLite work releases the GIL, so on a
machine with a second core it costs the requests nothing.

Each connection's own auto-checkpoint stays on, at BACKSTOP_PAGES rather than 1,000, so that if the thread
ever falls behind (or a long-lived connection commits again and again without going back to the pool, as a CLI
command may), the log is still bounded.

Disposing of an engine waits for the checkpoints asked for until then: as before, a disposed engine leaves its
file quiet (a file copy of it, as the tests' template databases are copied, is never torn by a checkpoint).
"""

from __future__ import annotations

import logging
import os
import pathlib
import queue
import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

# 10,000 pages of 4 KiB: 40 MiB of log at most before a commit checkpoints it itself.
BACKSTOP_PAGES = 10_000
_WROTE = "seamline.wal_wrote"
_CHANGES_AT_BEGIN = "seamline.wal_changes_at_begin"

_log = logging.getLogger(__name__)
_waiting: queue.SimpleQueue[str | threading.Event] = queue.SimpleQueue()
_started = threading.Lock()
_thread: threading.Thread | None = None
_done: dict[str, int] = {}


def _forget_after_fork() -> None:
    """A forked process (a server's worker) has none of its parent's threads: it starts its own when it commits."""
    global _waiting, _started, _thread
    _waiting, _started, _thread = queue.SimpleQueue(), threading.Lock(), None


os.register_at_fork(after_in_child=_forget_after_fork)


def attach(engine: Engine, path: str) -> None:
    """Checkpoint ``path``'s log in the background after the engine's connections commit."""

    # Only a transaction that changed rows asks for a checkpoint (a read-only request commits too). sqlite3 counts
    # the rows its connection changed; DDL alone is not counted, and is left to the next write or the backstop.
    @event.listens_for(engine, "begin")
    def _count_before(connection):
        connection.connection.info[_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes

    @event.listens_for(engine, "commit")
    def _mark(connection):
        pooled = connection.connection  # its info is the pool record's: it outlives the transaction
        if pooled.dbapi_connection.total_changes != pooled.info.pop(_CHANGES_AT_BEGIN, None):
            pooled.info[_WROTE] = True

    @event.listens_for(engine, "checkin")
    def _hand_over(_dbapi_connection, record):
        if record.info.pop(_WROTE, False):
            request(path)

    @event.listens_for(engine, "engine_disposed")
    def _settle(_engine):
        settle()


def request(path: str) -> None:
    """Ask for a checkpoint of ``path`` soon. The first request starts the thread (never at import)."""
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="seamline-wal-checkpoint", daemon=True)
            _thread.start()
    _waiting.put(path)


def settle(timeout: float = 30.0) -> None:
    """Wait until every checkpoint asked for so far has run."""
    if _thread is None or not _thread.is_alive():
        return
    done = threading.Event()
    _waiting.put(done)
    done.wait(timeout)


def checkpoints_done(path: str) -> int:
    """How many times this process's thread has handled ``path`` (checkpointed it, or found it gone): what tests
    wait on."""
    return _done.get(path, 0)


def _run() -> None:
    while True:
        asked = [_waiting.get()]
        while not _waiting.empty():  # a burst of commits is one checkpoint per database
            asked.append(_waiting.get_nowait())
        for path in dict.fromkeys(item for item in asked if isinstance(item, str)):
            try:
                checkpoint(path)
            except sqlite3.Error as exc:  # a test's database already removed, a disk error: the backstop holds
                _log.debug("WAL checkpoint of %s skipped: %s", path, exc)
            _done[path] = _done.get(path, 0) + 1
        for waiter in (item for item in asked if isinstance(item, threading.Event)):
            waiter.set()


def checkpoint(path: str) -> None:
    # mode=rw: never create a database that is not there (a test's, removed with its folder).
    uri = f"{pathlib.Path(path).absolute().as_uri()}?mode=rw"
    connection = sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        connection.close()
