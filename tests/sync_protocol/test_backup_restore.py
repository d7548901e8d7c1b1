"""A backup taken with pg_dump, restored into a new database: the phones' journals make up what it lacks.

Follows the README's "Backups and restore": dump, restore, `flask --app server restored-from-backup`, point the
app at the restored database. The phone's mutations acknowledged after the dump come back from its journal
(PROTOCOL.md 6.3) and land exactly once; its replica is rebuilt against the new database id (3.6).
"""

from __future__ import annotations

import uuid

import pytest
import world
from apps import dispose, make_app
from sqlalchemy import func, select
from sync_protocol.netsim import AppTransport

from server.extensions import db
from server.models import AuditEntry, InspectionDefect, SyncState
from server.models import SyncClient as SyncClientRow
from sync.client import Backoff, SyncClient


def _defect(note: str) -> dict:
    return {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
            "severity": "major", "note": note}


def _database_id(app) -> uuid.UUID:
    with app.app_context():
        return db.session.get(SyncState, 1).database_id


def test_mutations_after_the_dump_come_back_from_the_phone_exactly_once(backend, templates, tmp_path, request):
    if backend != "postgresql":
        pytest.skip("backups are taken with pg_dump")
    pg = request.getfixturevalue("pg_server")
    url = templates.copy(backend, "world")
    app = make_app(url, tmp_path)
    transport = AppTransport(app)
    phone = SyncClient("http://seamline.test", world.PERSONAS["inspector_a"][0], world.PASSWORD,
                       state_path=str(tmp_path / "phone.db"), transport=transport,
                       backoff=Backoff(attempts=3, sleep=lambda _s: None))
    restored_app = None
    try:
        before = phone.upsert("inspection_defect", _defect("found before the backup"))
        phone.sync()
        dump = pg.dump(url.rsplit("/", 1)[1], f"backup-{uuid.uuid4().hex}.dump")

        after = [phone.upsert("inspection_defect", _defect(f"found after the backup {n}")) for n in range(3)]
        phone.upsert("inspection_defect", {"note": "changed after the backup"}, record_id=before)
        phone.sync()
        assert phone.pending() == 0
        acknowledged = int(phone._meta("acked_through"))
        assert acknowledged == 5

        restored_url = pg.restore(dump, f"restored_{uuid.uuid4().hex[:12]}")
        restored_app = make_app(restored_url, tmp_path)
        result = restored_app.test_cli_runner().invoke(args=["restored-from-backup"])
        assert result.exit_code == 0, result.output
        assert _database_id(restored_app) != _database_id(app)
        with restored_app.app_context():  # the backup lacks what came after it
            assert db.session.get(InspectionDefect, uuid.UUID(after[0])) is None
            assert db.session.get(SyncClientRow, phone.client_id).last_mutation_id == 1

        transport.restart(restored_app)  # the app now runs on the restored database
        phone.sync()

        assert phone.pending() == 0 and phone.rejections() == [] and phone.conflicts() == []
        replica = phone.records("inspection_defect")
        assert replica[before]["note"] == "changed after the backup"
        assert {replica[record]["note"] for record in after} == {f"found after the backup {n}" for n in range(3)}
        with restored_app.app_context():
            assert db.session.get(SyncClientRow, phone.client_id).last_mutation_id == acknowledged
            assert db.session.get(InspectionDefect, uuid.UUID(before)).note == "changed after the backup"
            for record in after:  # each re-sent mutation applied once: one row, one insert in the audit trail
                inserts = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.record_id == uuid.UUID(record), AuditEntry.action == "insert"))
                assert inserts == 1
            assert db.session.scalar(select(func.count()).select_from(InspectionDefect).where(
                InspectionDefect.note.like("found after the backup %"))) == 3
        phone.sync()  # nothing more to send: the journal is not replayed twice
        with restored_app.app_context():
            assert db.session.get(SyncClientRow, phone.client_id).last_mutation_id == acknowledged
    finally:
        phone.close()
        dispose(app)
        if restored_app is not None:
            dispose(restored_app)
