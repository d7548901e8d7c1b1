"""Self-test for tests/pgserver.py: the throwaway PostgreSQL server used by the pg tests."""

import errno
import os
import socket
import sys

import pytest

# tests/ has no __init__.py; make the helper importable however pytest was invoked.
_TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from pgserver import PostgresServer, find_pg_bindir  # importable once tests/ is on sys.path (above)

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(
        find_pg_bindir() is None,
        reason="PostgreSQL server binaries (initdb/pg_ctl/postgres) not installed "
        "(looked at $SEAMLINE_PG_BINDIR, pg_config --bindir, /usr/lib/postgresql/*/bin, PATH)",
    ),
]


def _port_is_free(port: int) -> bool:
    # Nothing accepts connections any more ...
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        if s.connect_ex(("127.0.0.1", port)) != errno.ECONNREFUSED:
            return False
    # ... and a new server could listen there (PostgreSQL also uses SO_REUSEADDR).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()
    return True


def test_start_query_create_drop_stop():
    import psycopg
    import sqlalchemy as sa

    server = PostgresServer().start()
    try:
        directory, port = server.directory, server.port
        assert os.path.isdir(directory)
        assert server.url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/seamline"

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="seamline") as conn:
            version = conn.execute("select version()").fetchone()[0]
            assert version.startswith("PostgreSQL")
            assert conn.execute("show server_encoding").fetchone()[0] == "UTF8"
            assert conn.execute("show fsync").fetchone()[0] == "off"

        url = server.create_database("pgserver_selftest")
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/pgserver_selftest"
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(sa.text("select current_database()")).scalar() == "pgserver_selftest"
                conn.execute(sa.text("create table t (id int primary key)"))
                conn.commit()
            # create_database() hands out a *fresh* database even if the name exists
            # (connections to the old one are terminated, so drop the pool's).
            server.create_database("pgserver_selftest")
            engine.dispose()
            with engine.connect() as conn:
                assert conn.execute(sa.text("select to_regclass('t')")).scalar() is None
            # drop_database() works even with a pooled connection still open.
            pooled = engine.connect()
            server.drop_database("pgserver_selftest")
            pooled.invalidate()
            pooled.close()
        finally:
            engine.dispose()

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres") as conn:
            names = {r[0] for r in conn.execute("select datname from pg_database")}
        assert "pgserver_selftest" not in names
        assert "seamline" in names
    finally:
        server.stop()

    assert not os.path.exists(directory)
    assert _port_is_free(port)
    server.stop()  # idempotent
    with pytest.raises(RuntimeError):
        server.url


def test_context_manager_cleans_up_on_error():
    with pytest.raises(ZeroDivisionError):
        with PostgresServer() as server:
            directory, port = server.directory, server.port
            1 / 0
    assert not os.path.exists(directory)
    assert _port_is_free(port)
