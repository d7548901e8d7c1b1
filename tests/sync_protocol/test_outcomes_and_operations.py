"""Issue 10, items 2 and 3 and the named operations: outcomes survive a lost answer, pulls bind their
client id, immutable fields are refused, undoing a refused record applies, finalize is an operation."""

from __future__ import annotations

import uuid

import world
from sqlalchemy import func, select
from sync_protocol.netsim import AppTransport

from server.extensions import db
from server.models import Inspection, SyncClient, SyncConflict, SyncRejection
from sync.client import SyncClient as PyClient

CLIENT = "outcome-device-0123456789"


def _push(client, mutations, client_id=CLIENT):
    return client.post("/api/v1/sync/push", json={"client_id": client_id, "protocol_version": 1,
                                                  "schema_version": 1, "mutations": mutations})


def _defect(mutation_id, record_id=None, op="upsert", **fields):
    return {"id": mutation_id, "entity": "inspection_defect", "op": op, "record_id": str(record_id or uuid.uuid4()),
            "fields": {} if op == "delete" else {"inspection_id": str(world.INSPECTION_A),
                                                 "defect_type_id": str(world.DEFECT_TYPE), "severity": "minor",
                                                 **fields}}


def _notes(mutation_id, text, base_version):
    return {"id": mutation_id, "entity": "inspection", "op": "upsert", "record_id": str(world.INSPECTION_A),
            "fields": {"notes": text}, "base_version": base_version}


def test_a_retry_after_a_lost_answer_gets_each_outcome(login_as):
    inspector = login_as("inspector_a")
    # Someone else changes the notes first, so this device's edit of them conflicts.
    other = _push(inspector, [_notes(1, "from the office", 0)], client_id="other-device-0123456789").get_json()
    assert other["results"][0]["status"] == "applied"
    batch = [_defect(1), _defect(2, sample_unit=0), _notes(3, "from the floor", 1)]
    first = _push(inspector, batch).get_json()
    assert [r["status"] for r in first["results"]] == ["applied", "rejected", "applied_with_conflicts"]
    # The answer was lost: the same batch again. Nothing applies twice, and nothing is forgotten.
    again = _push(inspector, batch).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    outcomes = [r["outcome"] for r in again["results"]]
    # Still this device's echo: the record as the server holds it comes with the outcome (PROTOCOL.md 2.11).
    assert outcomes[0]["status"] == "applied" and outcomes[0]["version"] == first["results"][0]["version"]
    assert outcomes[0]["derived"]["id"] == batch[0]["record_id"]
    assert outcomes[1]["status"] == "rejected" and outcomes[1]["code"] == "validation_error"
    assert outcomes[1]["code"] == first["results"][1]["code"] and "sample_unit" in outcomes[1]["fields"]
    assert outcomes[2]["status"] == "applied_with_conflicts"
    assert outcomes[2]["conflicts"] == first["results"][2]["conflicts"]


def test_rejections_are_listed_per_device_and_only_to_its_user(login_as):
    inspector = login_as("inspector_a")
    _push(inspector, [_defect(1, sample_unit=0), _defect(2)])
    listed = inspector.get(f"/api/v1/sync/rejections?client_id={CLIENT}")
    assert listed.status_code == 200
    (rejection,) = listed.get_json()
    assert rejection["mutation_id"] == 1 and rejection["code"] == "validation_error"
    assert rejection["entity"] == "inspection_defect" and "sample_unit" in rejection["details"]
    assert rejection["fields"]["sample_unit"] == 0
    someone_else = login_as("inspector_b")
    refused = someone_else.get(f"/api/v1/sync/rejections?client_id={CLIENT}")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "client_bound"
    missing = inspector.get("/api/v1/sync/rejections")
    assert missing.status_code == 400 and "client_id" in missing.get_json()["error"]["fields"]


def test_a_pull_binds_a_new_client_id(app, login_as):
    inspector = login_as("inspector_a")
    first = inspector.get(f"/api/v1/sync/pull?client_id={CLIENT}")
    assert first.status_code == 200
    with app.app_context():
        bound = db.session.get(SyncClient, CLIENT)
        assert bound is not None and bound.user_id == world.user_id("inspector_a")
    someone_else = login_as("inspector_b")
    for attempt in (someone_else.get(f"/api/v1/sync/pull?client_id={CLIENT}"), _push(someone_else, [_defect(1)])):
        assert attempt.status_code == 403 and attempt.get_json()["error"]["code"] == "client_bound"


def test_an_immutable_field_is_refused_never_parked_as_a_conflict(app, login_as):
    inspector = login_as("inspector_a")
    record = uuid.uuid4()
    _push(inspector, [_defect(1, record)])
    # Another device changes the note, then this one changes the severity on an old base version.
    _push(inspector, [{"id": 1, "entity": "inspection_defect", "op": "upsert", "record_id": str(record),
                       "fields": {"note": "x"}, "base_version": 0}], client_id="other-device-0123456789")
    answer = _push(inspector, [{"id": 2, "entity": "inspection_defect", "op": "upsert", "record_id": str(record),
                                "fields": {"severity": "critical", "note": "y"}, "base_version": 0}]).get_json()
    (result,) = answer["results"]
    assert result["status"] == "rejected" and result["code"] == "immutable_field"
    assert list(result["fields"]) == ["severity"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncConflict)) == 0


def test_undoing_a_refused_record_applies_without_a_second_rejection(app, login_as):
    inspector = login_as("inspector_a")
    record = uuid.uuid4()
    answer = _push(inspector, [_defect(1, record, sample_unit=0), _defect(2, record, op="delete")]).get_json()
    assert [r["status"] for r in answer["results"]] == ["rejected", "applied"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncRejection)) == 1
    # A delete of a record nobody ever sent is still unknown.
    unknown = _push(inspector, [_defect(3, op="delete")]).get_json()
    assert unknown["results"][0]["status"] == "rejected" and unknown["results"][0]["code"] == "not_found"


def test_finalize_is_an_operation_with_the_rest_api_s_rules(app, login_as):
    inspector = login_as("inspector_a")
    passing = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}
    wrong = _push(inspector, [{"id": 1, "entity": "inspection", "op": "finalize", "record_id": str(world.INSPECTION_A),
                               "fields": {"verdict": {**passing, "overall": "fail"}}}]).get_json()
    assert wrong["results"][0]["code"] == "verdict_mismatch"
    ok = _push(inspector, [{"id": 2, "entity": "inspection", "op": "finalize", "record_id": str(world.INSPECTION_A),
                            "fields": {"verdict": passing, "disposition": "release"}}]).get_json()
    assert ok["results"][0]["status"] == "applied", ok
    with app.app_context():
        inspection = db.session.get(Inspection, world.INSPECTION_A)
        assert inspection.status == "finalized" and inspection.disposition == "release"
    # Not an operation of a defect; and the REST endpoint answers as push does once finalized.
    odd = _push(inspector, [{"id": 3, "entity": "inspection_defect", "op": "finalize", "record_id": str(uuid.uuid4()),
                             "fields": {}}]).get_json()
    assert odd["results"][0]["status"] == "rejected"
    again = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": passing})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "inspection_finalized"


def test_a_finalize_queued_by_an_older_app_still_applies(app, login_as):
    inspector = login_as("inspector_a")
    answer = _push(inspector, [{"id": 1, "entity": "inspection", "op": "upsert", "record_id": str(world.INSPECTION_A),
                                "fields": {"status": "finalized", "verdict": "pass", "verdict_critical": "pass",
                                           "verdict_major": "pass", "verdict_minor": "pass",
                                           "disposition": "release"}}]).get_json()
    assert answer["results"][0]["status"] == "applied", answer
    with app.app_context():
        assert db.session.get(Inspection, world.INSPECTION_A).status == "finalized"


class _LosesAnswers:
    """A transport that lets the server handle the first push, then loses its answer."""

    def __init__(self, inner):
        self.inner, self.lost = inner, 0

    def __call__(self, method, url, headers, body):
        status, answer_headers, raw = self.inner(method, url, headers, body)
        if url.endswith("/sync/push") and self.lost == 0:
            self.lost += 1
            raise OSError("connection reset after the server committed")
        return status, answer_headers, raw


def test_python_client_keeps_rejections_and_conflicts_after_a_lost_answer(app, make_client, login_as):
    office = make_client("inspector_a", name="office")
    office.sync()
    phone = make_client("inspector_a", name="phone")
    phone.sync()
    office.upsert("inspection", {"notes": "from the office"}, world.INSPECTION_A)
    office.sync()
    lossy = PyClient(phone.base_url, phone.email, phone.password, state_path=":memory:",
                     transport=_LosesAnswers(AppTransport(app)), backoff=phone.backoff)
    lossy.sync()
    refused = lossy.upsert("inspection_defect", {"inspection_id": str(world.INSPECTION_A),
                                                 "defect_type_id": str(world.DEFECT_TYPE), "severity": "minor",
                                                 "sample_unit": 0})
    lossy.upsert("inspection", {"notes": "from the floor"}, world.INSPECTION_A)
    lossy.db.execute("UPDATE outbox SET base_version = 1")  # edited before the office's change arrived
    lossy.sync()
    assert lossy.transport.lost == 1 and lossy.pending() == 0
    assert [r["record_id"] for r in lossy.rejections()] == [refused]
    assert [c["field"] for c in lossy.conflicts()] == ["notes"]
    # Resolved on the server: the next sync forgets it.
    (conflict,) = lossy.conflicts()
    resolved = login_as("inspector_a").post(f"/api/v1/sync/conflicts/{conflict['id']}/resolve",
                                            json={"choice": "stored"})
    assert resolved.status_code == 200
    lossy.sync()
    assert lossy.conflicts() == [] and len(lossy.rejections()) == 1
    lossy.close()


def test_purged_tombstones_reset_older_cursors(app, login_as):
    from datetime import timedelta

    from server.models import InspectionDefect
    from server.models.base import utcnow

    inspector = login_as("inspector_a")
    old, recent = uuid.uuid4(), uuid.uuid4()
    _push(inspector, [_defect(1, old), _defect(2, recent)])
    before = inspector.get(f"/api/v1/sync/pull?client_id={CLIENT}&limit=2000").get_json()
    _push(inspector, [_defect(3, old, op="delete"), _defect(4, recent, op="delete")])
    with app.app_context():
        # The first delete happened 200 days ago, past the retention; the second is recent.
        db.session.execute(InspectionDefect.__table__.update().where(InspectionDefect.id == old)
                           .values(deleted_at=utcnow() - timedelta(days=200)))
        db.session.commit()
    refused = app.test_cli_runner().invoke(args=["purge-tombstones", "--older-than-days", "30"])
    assert refused.exit_code != 0 and "180" in refused.output
    result = app.test_cli_runner().invoke(args=["purge-tombstones"])
    assert result.exit_code == 0, result.output
    assert "inspection_defects: 1 purged" in result.output
    with app.app_context():
        assert db.session.get(InspectionDefect, old) is None
        assert db.session.get(InspectionDefect, recent).is_deleted  # still a tombstone
        assert db.session.get(Inspection, world.INSPECTION_A) is not None
    stale = inspector.get(f"/api/v1/sync/pull?client_id={CLIENT}&cursor={before['cursor']}").get_json()
    assert stale["reset"] and stale["reason"] == "cursor_expired"
    fresh = inspector.get(f"/api/v1/sync/pull?client_id={CLIENT}&limit=2000").get_json()
    assert not fresh["reset"] and str(old) not in {c["id"] for c in fresh["changes"]}
