"""The Python client's journal and wire: gzip both ways, bursts, reads by id range, pruning, restores."""

from __future__ import annotations

import gzip
import json
import sqlite3
import uuid

import pytest
import world
from sqlalchemy import delete, update
from sync_protocol.netsim import AppTransport

import sync.client as client_module
from server.extensions import db
from server.models import AuditEntry, InspectionDefect, SyncState
from server.models import SyncClient as SyncClientRow
from sync.client import SyncClient, SyncError

DAY = 24 * 3600


def _defect_fields(**extra):
    return {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
            "severity": "minor", **extra}


class RecordingTransport(AppTransport):
    """The real app, keeping what went over the wire."""

    def __init__(self, app):
        super().__init__(app)
        self.exchanges = []

    def __call__(self, method, url, headers, body):
        status, answer_headers, raw = super().__call__(method, url, headers, body)
        if status != 401:  # before the client logged in: it sends the same request again
            self.exchanges.append((method, url, dict(headers), body, answer_headers, raw))
        return status, answer_headers, raw

    def pushes(self) -> list[dict]:
        """The push bodies sent, inflated."""
        sent = []
        for method, url, headers, body, _h, _r in self.exchanges:
            if method == "POST" and url.endswith("/sync/push"):
                sent.append(json.loads(gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body))
        return sent


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_push_bodies_go_gzipped_and_answers_come_back_gzipped(app, make_client):
    transport = RecordingTransport(app)
    phone = make_client("inspector_a", transport=transport)
    made = phone.upsert_many("inspection_defect", [_defect_fields(note=f"stain {n}") for n in range(40)])
    phone.sync()
    pushes = [(h, b) for m, u, h, b, _ah, _r in transport.exchanges if u.endswith("/sync/push")]
    assert pushes and all(h["Content-Encoding"] == "gzip" for h, _b in pushes)
    raw_json = len(json.dumps(transport.pushes()[0]).encode())
    assert len(pushes[0][1]) < raw_json / 2
    assert [m["id"] for m in transport.pushes()[0]["mutations"]] == list(range(1, 41))
    pulls = [(h, ah, r) for m, u, h, _b, ah, r in transport.exchanges if "/sync/pull" in u]
    assert all(h["Accept-Encoding"] == "gzip" for h, _ah, _r in pulls)
    assert any(ah.get("Content-Encoding") == "gzip" for _h, ah, _r in pulls)  # big answers do come gzipped
    assert set(made) <= set(phone.records("inspection_defect"))  # and were read
    assert phone.pending() == 0


def test_a_burst_is_one_transaction_and_a_failure_inside_records_nothing(make_client):
    phone = make_client("inspector_a")
    with pytest.raises(RuntimeError):
        with phone.burst():
            for n in range(5):
                phone.upsert("inspection_defect", _defect_fields(note=f"tear {n}"))
            raise RuntimeError("the import failed half way")
    assert phone.pending() == 0 and phone.records("inspection_defect") == {}
    assert phone._meta("next_mutation_id") == "1"
    with phone.burst():
        first = phone.upsert("inspection_defect", _defect_fields(note="kept"))
        phone.delete("inspection_defect", first)
        second = phone.upsert("inspection_defect", _defect_fields(note="kept too"))
    assert phone.pending() == 3 and set(phone.records("inspection_defect")) == {second}
    assert [row[0] for row in phone.db.execute("SELECT id FROM outbox ORDER BY id")] == [1, 2, 3]


def test_a_burst_commits_once(make_client):
    phone = make_client("inspector_a")
    statements = []
    phone.db.set_trace_callback(statements.append)
    phone.upsert_many("inspection_defect", [_defect_fields(note=f"n{n}") for n in range(50)])
    phone.db.set_trace_callback(None)
    assert [s for s in statements if s.startswith(("BEGIN", "COMMIT"))] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert phone.pending() == 50


def test_only_the_unsent_range_is_sent_after_many_acknowledgements(app, make_client, monkeypatch):
    monkeypatch.setattr(client_module, "PUSH_BATCH", 7)
    transport = RecordingTransport(app)
    phone = make_client("inspector_a", transport=transport)
    for round_number in range(4):
        phone.upsert_many("inspection_defect", [_defect_fields(note=f"r{round_number} {n}") for n in range(10)])
        phone.push()
    assert phone.pending() == 0
    sent = [m["id"] for push in transport.pushes() for m in push["mutations"]]
    assert sent == list(range(1, 41))  # each mutation exactly once, in order, in batches of 7
    later = phone.upsert("inspection_defect", _defect_fields(note="later"))
    assert phone.pending() == 1
    assert phone.records("inspection_defect")[later]["note"] == "later"
    phone.push()
    assert [m["id"] for m in transport.pushes()[-1]["mutations"]] == [41]


def test_outbox_reads_are_ranges_of_the_primary_key_never_scans(make_client):
    phone = make_client("inspector_a")
    phone.upsert_many("inspection_defect", [_defect_fields(note=f"n{n}") for n in range(30)])
    phone.sync()
    phone.upsert("inspection_defect", _defect_fields(note="one more"))
    statements = []
    phone.db.set_trace_callback(statements.append)
    phone.sync()
    phone.records("inspection_defect")
    phone.pending()
    phone.db.set_trace_callback(None)
    touching = [s for s in statements if " outbox" in s and not s.startswith(("BEGIN", "COMMIT"))]
    assert touching
    for statement in touching:
        plan = " ".join(str(row[-1]) for row in phone.db.execute("EXPLAIN QUERY PLAN " + statement))
        assert "SCAN outbox" not in plan, (statement, plan)


def test_acknowledged_mutations_are_pruned_past_the_retention(app, make_client, monkeypatch):
    monkeypatch.setattr(client_module, "JOURNAL_KEEP_AT_LEAST", 2)
    clock = Clock()
    phone = make_client("inspector_a", clock=clock)
    phone.upsert_many("inspection_defect", [_defect_fields(note=f"old {n}") for n in range(5)])
    phone.sync()
    clock.now += 29 * DAY
    phone.upsert("inspection_defect", _defect_fields(note="within the retention"))
    phone.sync()
    assert [r[0] for r in phone.db.execute("SELECT id FROM outbox ORDER BY id")] == [1, 2, 3, 4, 5, 6]
    clock.now += 2 * DAY  # the first five were acknowledged 31 days ago
    phone.upsert("inspection_defect", _defect_fields(note="new"))
    phone.sync()
    # Past the retention, but the newest two acknowledged (6, 7) stay whatever their age; 5 is old and goes.
    assert [r[0] for r in phone.db.execute("SELECT id FROM outbox ORDER BY id")] == [6, 7]
    assert phone.pending() == 0
    phone.upsert("inspection_defect", _defect_fields(note="numbering goes on"))
    phone.sync()
    assert phone.pending() == 0 and phone.rejections() == []


def _restore_server_to(app, last_mutation_id: int, lost_records: list[str]) -> None:
    with app.app_context():
        for lost in lost_records:
            db.session.execute(delete(InspectionDefect).where(InspectionDefect.id == uuid.UUID(lost)))
            db.session.execute(delete(AuditEntry).where(AuditEntry.record_id == uuid.UUID(lost)))
        db.session.execute(update(SyncClientRow).values(last_mutation_id=last_mutation_id))
        db.session.execute(update(SyncState).values(database_id=uuid.uuid4()))
        db.session.commit()


def test_a_restore_within_the_retention_gets_every_lost_mutation_again(app, make_client):
    clock = Clock()
    phone = make_client("inspector_a", clock=clock)
    phone.upsert("inspection_defect", _defect_fields(note="before the backup"))
    phone.sync()
    clock.now += 20 * DAY
    lost = phone.upsert_many("inspection_defect", [_defect_fields(note=f"after {n}") for n in range(3)])
    phone.sync()
    _restore_server_to(app, 1, lost)
    phone.sync()
    assert phone.pending() == 0 and phone._acked_through() == 4
    with app.app_context():
        assert [db.session.get(InspectionDefect, uuid.UUID(r)).note for r in lost] == ["after 0", "after 1", "after 2"]


def test_a_restore_older_than_the_retention_is_a_clear_error_not_a_loop(app, make_client, monkeypatch):
    monkeypatch.setattr(client_module, "JOURNAL_KEEP_AT_LEAST", 1)
    clock = Clock()
    phone = make_client("inspector_a", clock=clock)
    lost = phone.upsert_many("inspection_defect", [_defect_fields(note=f"long ago {n}") for n in range(3)])
    phone.sync()
    clock.now += 31 * DAY
    phone.upsert("inspection_defect", _defect_fields(note="today"))
    phone.sync()
    assert [r[0] for r in phone.db.execute("SELECT id FROM outbox")] == [4]
    _restore_server_to(app, 1, lost[1:])
    with pytest.raises(SyncError) as refused:
        phone.sync()
    assert refused.value.code == "journal_pruned" and refused.value.fields == {"expected": 2}
    assert phone._acked_through() == 4  # nothing half-done: the state is as before


def test_a_state_file_from_before_the_journal_ranges_is_upgraded(app, make_client, tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE outbox (id INTEGER PRIMARY KEY, entity TEXT NOT NULL, op TEXT NOT NULL,
            record_id TEXT NOT NULL, fields TEXT NOT NULL, base_version INTEGER, acked INTEGER NOT NULL DEFAULT 0);
        INSERT INTO meta VALUES ('client_id', 'py-old-state-file-000001'), ('next_mutation_id', '4');
    """)
    fields = json.dumps(_defect_fields(note="waiting since the old version"))
    old.executemany("INSERT INTO outbox VALUES (?, 'inspection_defect', 'upsert', ?, ?, NULL, ?)",
                    [(1, str(uuid.uuid4()), fields, 1), (2, str(uuid.uuid4()), fields, 1),
                     (3, str(uuid.uuid4()), fields, 0)])
    old.commit()
    old.close()
    phone = SyncClient("http://seamline.test", world.PERSONAS["inspector_a"][0], world.PASSWORD,
                       state_path=str(path), transport=AppTransport(app))
    try:
        assert phone._acked_through() == 2 and phone.pending() == 1
        phone.sync()  # the server has never seen 1 and 2 (a test world): it asks for them, and gets them
        assert phone.pending() == 0 and phone._acked_through() == 3
    finally:
        phone.close()
