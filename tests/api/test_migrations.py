"""Models and migrations never drift; the counter row exists after upgrade."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


@pytest.fixture
def fresh_url(backend, tmp_path, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("pg_server").create_database("fresh_migrations")


def test_upgrade_from_empty_to_head_leaves_nothing_to_autogenerate(fresh_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from server import create_app
    from server.extensions import db
    from server.models import SyncState

    app = create_app({"TESTING": True, "DATABASE_URL": fresh_url, "PHOTO_DIR": str(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert db.session.get(SyncState, 1).change_counter == 0
        health = app.test_client().get("/api/v1/health").get_json()
        assert health["migrations_at_head"] is True and health["database"] == db.engine.dialect.name
        db.session.remove()
        downgrade(revision="base")
        upgrade()
        db.session.remove()
        db.engine.dispose()
