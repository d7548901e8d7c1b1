"""Connection pool and statement timeout from DB_* variables; a cancelled statement is a clean 503."""

from __future__ import annotations

import pytest
from apps import ApiClient, dispose, make_app
from sqlalchemy import create_engine, text
from world import PASSWORD, PERSONAS

from server import json_text
from server.config import ConfigError, load_config

PG_URL = "postgresql://db.example/seamline"


def _options(monkeypatch, url=PG_URL, **env):
    for name in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_POOL_TIMEOUT", "DB_POOL_RECYCLE", "DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    options = dict(load_config({"TESTING": True, "DATABASE_URL": url})["SQLALCHEMY_ENGINE_OPTIONS"])
    assert options.pop("json_serializer") is json_text.dumps  # on every backend
    return options


def test_postgresql_pool_and_statement_timeout_come_from_the_environment(monkeypatch):
    options = _options(monkeypatch, DB_POOL_SIZE="12", DB_MAX_OVERFLOW="0", DB_POOL_TIMEOUT="3",
                       DB_POOL_RECYCLE="600", DB_STATEMENT_TIMEOUT_MS="15000")
    assert options == {"pool_pre_ping": True, "pool_size": 12, "max_overflow": 0, "pool_timeout": 3,
                       "pool_recycle": 600, "connect_args": {"options": "-c statement_timeout=15000"}}


def test_defaults_keep_a_bounded_pool_and_no_statement_limit(monkeypatch):
    options = _options(monkeypatch, url="postgres://db.example/seamline")
    assert options == {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "pool_timeout": 10,
                       "pool_recycle": 1800}
    assert _options(monkeypatch, DB_POOL_RECYCLE="0")["pool_recycle"] == -1  # 0: never recycle


def test_sqlite_ignores_the_pool_settings_but_still_checks_them(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert _options(monkeypatch, url=url, DB_POOL_SIZE="7", DB_STATEMENT_TIMEOUT_MS="100") == {"pool_pre_ping": True}
    with pytest.raises(ConfigError, match="DB_POOL_SIZE"):
        _options(monkeypatch, url=url, DB_POOL_SIZE="seven")


@pytest.mark.parametrize("name, value, minimum", [
    ("DB_POOL_SIZE", "0", 1), ("DB_POOL_SIZE", "many", 1), ("DB_MAX_OVERFLOW", "-1", 0),
    ("DB_POOL_TIMEOUT", "0", 1), ("DB_POOL_RECYCLE", "1.5", 0), ("DB_STATEMENT_TIMEOUT_MS", "30s", 0),
])
def test_bad_values_refuse_to_start_naming_the_variable(monkeypatch, name, value, minimum):
    with pytest.raises(ConfigError) as refused:
        _options(monkeypatch, **{name: value})
    assert str(refused.value) == f"{name} must be a whole number of {minimum} or more, not {value!r}"


def test_the_engine_uses_the_pool_settings(backend, templates, tmp_path):
    from server.extensions import db

    app = make_app(templates.copy(backend, "empty"), tmp_path, DB_POOL_SIZE=3, DB_POOL_TIMEOUT=4)
    try:
        with app.app_context():
            if backend == "postgresql":
                assert (db.engine.pool.size(), db.engine.pool.timeout()) == (3, 4)
            assert db.session.scalar(text("SELECT 1")) == 1
    finally:
        dispose(app)


def test_a_statement_over_the_timeout_is_cancelled_with_a_clean_503(backend, templates, tmp_path):
    if backend != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    url = templates.copy(backend, "world")
    app = make_app(url, tmp_path, DB_STATEMENT_TIMEOUT_MS=300)
    blocker = create_engine(url)
    try:
        manager = ApiClient(app.test_client())
        assert manager.login(PERSONAS["manager"][0], PASSWORD).status_code == 200
        assert manager.get("/api/v1/styles").status_code == 200
        with blocker.connect() as other:
            # Another session holds the table: the list's SELECT waits on the lock until the timeout cancels it.
            other.execute(text("LOCK TABLE styles IN ACCESS EXCLUSIVE MODE"))
            response = manager.get("/api/v1/styles")
            other.rollback()
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json() == {"error": {
            "code": "statement_timeout", "message": "The database took too long to answer this request; try again later.",
            "fields": {}}}
        assert response.headers["Retry-After"] == "30"
        assert manager.get("/api/v1/styles").status_code == 200  # the pool's connection is usable again
    finally:
        blocker.dispose()
        dispose(app)


def test_a_request_finding_the_pool_empty_gets_a_clean_503(backend, templates, tmp_path):
    if backend != "postgresql":
        pytest.skip("the pool settings are PostgreSQL's")
    from server.extensions import db

    app = make_app(templates.copy(backend, "world"), tmp_path, DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=1)
    try:
        manager = ApiClient(app.test_client())
        assert manager.login(PERSONAS["manager"][0], PASSWORD).status_code == 200
        with app.app_context():
            engine = db.engine
        with engine.connect():  # the pool's only connection, busy elsewhere
            response = manager.get("/api/v1/styles")
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "unavailable"
        assert response.headers["Retry-After"] == "5"
        assert manager.get("/api/v1/styles").status_code == 200
    finally:
        dispose(app)


def _push_nothing(client: ApiClient):
    return client.post("/api/v1/sync/push", json={"client_id": "db-settings-0123456789", "protocol_version": 1,
                                                  "schema_version": 1, "mutations": []})


def test_a_sqlite_writer_waits_its_turn_and_past_the_busy_timeout_gets_a_clean_503(backend, templates, tmp_path,
                                                                                    monkeypatch):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    import sqlite3
    import threading

    from server import database

    url = templates.copy(backend, "world")
    app = make_app(url, tmp_path)
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    try:
        inspector = ApiClient(app.test_client())
        assert inspector.login(PERSONAS["inspector_a"][0], PASSWORD).status_code == 200
        # Another connection writes for a while: the push waits for it (trying every millisecond), then writes.
        blocker.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, blocker.execute, ["COMMIT"]).start()
        assert _push_nothing(inspector).status_code == 200
        # Past the busy timeout it gives up with a clean 503, and the connection keeps SQLite's own timeout.
        monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
        blocker.execute("BEGIN IMMEDIATE")
        response = _push_nothing(inspector)
        blocker.execute("COMMIT")
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "unavailable"
        assert _push_nothing(inspector).status_code == 200
        with app.app_context():
            from server.extensions import db

            assert db.session.scalar(text("PRAGMA busy_timeout")) == 200
    finally:
        blocker.close()
        dispose(app)
