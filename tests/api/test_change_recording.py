"""Every write path stamps the change counter and appends an audit entry; nothing bypasses it."""

from __future__ import annotations

import uuid

import pytest
import world
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Factory, Style, SyncState, User
from server.services import changes


def _audit(record_id):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record_id).order_by(AuditEntry.id)).all()


def _counter():
    return db.session.get(SyncState, 1).change_counter


def test_api_write_is_stamped_and_audited(app, login_as):
    admin = login_as("admin")
    response = admin.post("/api/v1/styles", json={"style_number": "ST-9", "name": "Anorak", "category": "outerwear"})
    assert response.status_code == 201, response.get_json()
    style_id = uuid.UUID(response.get_json()["id"])
    response = admin.patch(f"/api/v1/styles/{style_id}", json={"name": "Hooded anorak"})
    assert response.status_code == 200
    with app.app_context():
        style = db.session.get(Style, style_id)
        entries = _audit(style_id)
        assert [e.action for e in entries] == ["insert", "update"]
        assert all(e.source == "api" and e.actor_id == world.user_id("admin") for e in entries)
        assert entries[1].changes == {"name": ["Anorak", "Hooded anorak"]}
        assert style.server_version == entries[1].version == _counter()
        assert entries[0].version < entries[1].version
        # Field versions: name changed in the second write, category only in the first.
        assert style.field_versions["name"] == entries[1].version
        assert style.field_versions["category"] == entries[0].version
        assert style.created_by_id == world.user_id("admin")


def test_delete_is_a_stamped_tombstone(app, login_as):
    admin = login_as("admin")
    assert admin.delete(f"/api/v1/defect-types/{world.DEFECT_TYPE}").status_code == 204
    assert admin.get(f"/api/v1/defect-types/{world.DEFECT_TYPE}").status_code == 404
    with app.app_context():
        from server.models import DefectType

        record = db.session.get(DefectType, world.DEFECT_TYPE)
        assert record.deleted_at is not None and record.server_version == _counter()
        assert _audit(world.DEFECT_TYPE)[-1].action == "delete"


def test_cli_write_is_stamped_and_audited(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Qa.Lead@Example.com", "--name", "QA Lead",
                                 "--role", "inspector", "--factory", "FA", "--password", "long enough password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "qa.lead@example.com"))
        entries = _audit(user.id)
        assert entries and entries[0].source == "cli" and entries[0].actor_id is None
        assert entries[0].changes["password_hash"] == [changes.REDACTED, changes.REDACTED]
        assert user.server_version == entries[0].version
        assert user.factory_ids == {world.FACTORY_A}


@pytest.mark.parametrize("source", ["import", "automation", "sync"])
def test_service_paths_record_their_source(app, source):
    with app.app_context():
        before = _counter()
        with changes.recording(db.session.get(User, world.user_id("manager")), source, client_id="device-1"):
            factory = db.session.get(Factory, world.FACTORY_B)
            factory.steady_production = False
        factory = db.session.get(Factory, world.FACTORY_B)
        entry = _audit(world.FACTORY_B)[-1]
        assert (entry.source, entry.client_id, entry.version) == (source, "device-1", before + 1)
        assert entry.changes == {"steady_production": [True, False]}
        assert factory.server_version == before + 1
        assert factory.field_versions["steady_production"] == before + 1


def test_one_version_per_transaction_and_rollback_leaves_nothing(app):
    with app.app_context():
        before = _counter()
        with changes.recording(None, "automation") as ctx:
            db.session.add(Style(style_number="X-1", name="One", category="dresses"))
            db.session.add(Style(style_number="X-2", name="Two", category="dresses"))
        versions = set(db.session.scalars(select(Style.server_version).where(Style.style_number.like("X-%"))))
        assert versions == {ctx.version} == {before + 1}
        with pytest.raises(ZeroDivisionError):
            with changes.recording(None, "automation"):
                db.session.add(Style(style_number="X-3", name="Three", category="dresses"))
                db.session.flush()
                1 / 0
        assert db.session.scalar(select(Style).where(Style.style_number == "X-3")) is None
        assert _counter() == before + 1


def test_writes_outside_the_recording_path_are_refused(app):
    with app.app_context():
        db.session.add(Style(style_number="RAW-1", name="Raw", category="dresses"))
        with pytest.raises(changes.UnrecordedWriteError):
            db.session.commit()
        db.session.rollback()
        style = db.session.get(Style, world.STYLE)
        style.name = "Changed behind the audit trail's back"
        with pytest.raises(changes.UnrecordedWriteError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(changes.UnrecordedWriteError):
            with changes.recording(None, "automation"):
                db.session.delete(db.session.get(Style, world.STYLE))
        assert db.session.get(Style, world.STYLE).name == "Crew tee"


def test_unchanged_update_writes_nothing(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        version = db.session.get(Style, world.STYLE).server_version
        count = len(_audit(world.STYLE))
    assert admin.patch(f"/api/v1/styles/{world.STYLE}", json={"name": "Crew tee"}).status_code == 200
    with app.app_context():
        assert db.session.get(Style, world.STYLE).server_version == version
        assert len(_audit(world.STYLE)) == count
