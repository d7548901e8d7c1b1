"""Two pushes of one device in flight at once (PROTOCOL.md 2.4.1), on SQLite and PostgreSQL.

A push that starts past the device's last mutation + 1 waits, for a bounded time, for the push before it;
one that nothing can complete (a hole inside the batch, or nothing on its way) is refused as before."""

from __future__ import annotations

import threading
import time
import uuid

import world
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, InspectionDefect, SyncClient

DEVICE = "pipelined-0123456789abcdef"


def _push(client, mutations):
    return client.post("/api/v1/sync/push", json={"client_id": DEVICE, "protocol_version": 1, "schema_version": 1,
                                                  "mutations": mutations})


def _defects(first: int, count: int) -> list[dict]:
    return [{"id": n, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
             "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                        "severity": "minor", "note": f"mutation {n}"}}
            for n in range(first, first + count)]


def _in_thread(client, mutations) -> tuple[threading.Thread, dict]:
    answer: dict = {}

    def run():
        started = time.monotonic()
        response = _push(client, mutations)
        answer.update(status=response.status_code, body=response.get_json(), seconds=time.monotonic() - started)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, answer


def _stored(app) -> tuple[int, int, list[int]]:
    """Defects stored, the device's last mutation id, and the versions of the defects it pushed in mutation order."""
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(InspectionDefect))
        last = db.session.get(SyncClient, DEVICE).last_mutation_id
        notes = db.session.execute(select(InspectionDefect.note, InspectionDefect.server_version)
                                   .where(InspectionDefect.note.like("mutation %"))).all()
        versions = [version for _note, version in sorted(notes, key=lambda row: int(row[0].split()[1]))]
        db.session.remove()
    return count, last, versions


def test_a_push_that_arrives_first_waits_for_the_one_before_it(app, login_as):
    app.config["PUSH_GAP_WAIT_SECONDS"] = 60
    second_thread, second = _in_thread(login_as("inspector_a"), _defects(4, 3))
    time.sleep(0.5)
    assert second_thread.is_alive(), second  # waiting, not refused
    first = _push(login_as("inspector_a"), _defects(1, 3))
    assert first.status_code == 200, first.get_json()
    second_thread.join(timeout=60)
    assert second["status"] == 200, second
    assert [r["status"] for r in first.get_json()["results"] + second["body"]["results"]] == ["applied"] * 6
    assert second["body"]["last_mutation_id"] == 6 and second["seconds"] >= 0.5
    _count, last, versions = _stored(app)
    assert last == 6
    assert versions == sorted(versions)  # applied in mutation order, though the later push came first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.table_name == "inspection_defects")) >= 6


def test_a_gap_nothing_closes_is_refused_after_the_wait(app, login_as):
    app.config["PUSH_GAP_WAIT_SECONDS"] = 0.4
    inspector = login_as("inspector_a")
    assert _push(inspector, _defects(1, 1)).status_code == 200
    count, _, _ = _stored(app)
    started = time.monotonic()
    gap = _push(inspector, _defects(3, 2))
    assert time.monotonic() - started >= 0.4
    assert gap.status_code == 409 and gap.get_json()["error"]["code"] == "mutation_gap"
    assert gap.get_json()["error"]["fields"]["expected"] == 2
    assert _stored(app)[:2] == (count, 1)  # nothing applied


def test_a_hole_inside_a_batch_is_refused_at_once(app, login_as):
    app.config["PUSH_GAP_WAIT_SECONDS"] = 60
    inspector = login_as("inspector_a")
    assert _push(inspector, _defects(1, 1)).status_code == 200
    started = time.monotonic()
    holed = _push(inspector, _defects(2, 1) + _defects(4, 1))
    assert holed.status_code == 409 and holed.get_json()["error"]["fields"]["expected"] == 3
    repeats_then_skips = _push(inspector, _defects(1, 1) + _defects(3, 1))
    assert repeats_then_skips.status_code == 409
    assert time.monotonic() - started < 30  # neither waited for a push that cannot come
    assert _stored(app)[1] == 1
