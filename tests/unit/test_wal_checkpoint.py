"""SQLite's log is checkpointed by a background thread after a commit, not inside the commit (server.wal_checkpoint)."""

import os
import time

from sqlalchemy import create_engine, text

from server import wal_checkpoint
from server.database import configure_engine


def _engine(path):
    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine)
    return engine


def _written(path):
    """An engine on a new database at ``path`` whose first write has been checkpointed."""
    engine = _engine(path)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (0)"))
    _wait_for_checkpoint(path, 0)
    return engine


def _wait_for_checkpoint(path, done_before, timeout=10.0):
    deadline = time.monotonic() + timeout
    while wal_checkpoint.checkpoints_done(path) <= done_before:
        assert time.monotonic() < deadline, "no background checkpoint"
        time.sleep(0.01)


def test_a_commit_leaves_its_log_to_the_background_thread(tmp_path):
    path = str(tmp_path / "seamline.db")
    engine = _written(path)
    size_before = os.path.getsize(path)
    done_before = wal_checkpoint.checkpoints_done(path)

    # 2 MiB: 500 pages, below SQLite's own auto-checkpoint line of 1,000 pages, which would not copy them.
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE blobs (body BLOB)"))
        connection.execute(text("INSERT INTO blobs VALUES (randomblob(4096))"), [{}] * 512)
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == wal_checkpoint.BACKSTOP_PAGES

    _wait_for_checkpoint(path, done_before)
    assert os.path.getsize(path) >= size_before + 512 * 4096  # the rows are in the database file, not only the log
    engine.dispose()


def test_a_committed_read_only_transaction_asks_for_no_checkpoint(tmp_path):
    path = str(tmp_path / "seamline.db")
    engine = _written(path)
    done = wal_checkpoint.checkpoints_done(path)
    with engine.begin() as connection:  # committed, as a read-only request's session commits
        connection.execute(text("SELECT count(*) FROM t")).scalar()
    # A write elsewhere is checkpointed, and by then the read above would have been handled (one queue, in order).
    other_engine = _written(str(tmp_path / "other.db"))
    assert wal_checkpoint.checkpoints_done(path) == done
    engine.dispose()
    other_engine.dispose()


def test_a_database_gone_before_its_checkpoint_is_not_recreated_and_the_thread_goes_on(tmp_path):
    gone = str(tmp_path / "gone.db")
    wal_checkpoint.request(gone)
    engine = _written(str(tmp_path / "seamline.db"))
    assert not os.path.exists(gone)
    engine.dispose()


def test_disposing_of_an_engine_waits_for_its_checkpoints(tmp_path):
    path = str(tmp_path / "seamline.db")
    engine = _engine(path)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE blobs (body BLOB)"))
        connection.execute(text("INSERT INTO blobs VALUES (randomblob(4096))"), [{}] * 256)
    engine.dispose()
    assert wal_checkpoint.checkpoints_done(path) == 1


def test_a_forked_worker_checkpoints_with_a_thread_of_its_own(tmp_path):
    path = str(tmp_path / "seamline.db")
    _written(path).dispose()
    child = os.fork()
    if child == 0:  # the worker: its parent's thread is not here, and its first commit starts its own
        try:
            worker_engine = _engine(path)
            with worker_engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (1)"))
            _wait_for_checkpoint(path, wal_checkpoint.checkpoints_done(path))
            os._exit(0)
        except BaseException:
            os._exit(1)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
