"""Migration 0005 keeps stored photos and their uploaders, and drops the shared partials no one can own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.models.base import UTCDateTime


@pytest.fixture
def fresh_url(backend, tmp_path, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("pg_server").create_database("fresh_photo_migration")


_meta = sa.MetaData()
_users = sa.Table("users", _meta, *(sa.Column(name, sa.String) for name in (
    "email", "display_name", "password_hash", "role", "locale")),
    sa.Column("id", sa.Uuid), sa.Column("active", sa.Boolean), sa.Column("created_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime), sa.Column("server_version", sa.BigInteger),
    sa.Column("field_versions", sa.JSON))
_uploads_0004 = sa.Table("photo_uploads", _meta, sa.Column("sha256", sa.String), sa.Column("length", sa.BigInteger),
                         sa.Column("state", sa.String), sa.Column("created_at", UTCDateTime))
_uploaders = sa.Table("photo_uploaders", _meta, sa.Column("sha256", sa.String), sa.Column("user_id", sa.Uuid),
                      sa.Column("at", UTCDateTime))


def test_upgrade_keeps_stored_uploads_and_drops_shared_partials(fresh_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from server import create_app
    from server.extensions import db

    app = create_app({"TESTING": True, "DATABASE_URL": fresh_url, "PHOTO_DIR": str(tmp_path)})
    now = datetime(2026, 11, 30, tzinfo=UTC)
    user_id = uuid.uuid4()
    stored, partial = "ab" * 32, "cd" * 32
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            connection.execute(_users.insert().values(
                id=user_id, email="u@example.com", display_name="U", password_hash="x", role="inspector",
                locale="en", active=True, created_at=now, updated_at=now, server_version=1, field_versions={}))
            connection.execute(_uploads_0004.insert(), [
                {"sha256": stored, "length": 10, "state": "stored", "created_at": now},
                {"sha256": partial, "length": 20, "state": "partial", "created_at": now}])
            connection.execute(_uploaders.insert(), [
                {"sha256": sha, "user_id": user_id, "at": now} for sha in (stored, partial)])
        upgrade()
        with db.engine.connect() as connection:
            uploads = connection.execute(sa.text("SELECT sha256, length FROM photo_uploads")).all()
            uploaders = connection.execute(sa.text("SELECT sha256 FROM photo_uploaders")).all()
            columns = {column["name"] for column in sa.inspect(connection).get_columns("photo_uploads")}
        assert uploads == [(stored, 10)] and uploaders == [(stored,)]
        assert "state" not in columns
        downgrade(revision="0004")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT sha256, state FROM photo_uploads")).all() == [(stored, "stored")]
            assert connection.execute(sa.text("SELECT sha256 FROM photo_uploaders")).all() == [(stored,)]
        db.session.remove()
        db.engine.dispose()


def test_the_new_settings_come_from_the_environment(monkeypatch):
    from server.config import load_config

    defaults = load_config({"TESTING": True})
    assert (defaults["PHOTO_PARTIAL_TTL_HOURS"], defaults["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"]) == (
        24, 100 * 1024 * 1024)
    monkeypatch.setenv("PHOTO_PARTIAL_TTL_HOURS", "6")
    monkeypatch.setenv("PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER", "50000000")
    configured = load_config({"TESTING": True})
    assert (configured["PHOTO_PARTIAL_TTL_HOURS"], configured["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"]) == (
        6, 50_000_000)
