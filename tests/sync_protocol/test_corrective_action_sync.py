"""Corrective actions over sync: a phone that opens an inspection's action offline names the same record the server
opens at finalize (UUIDv5 of the inspection), so the two writes make one action, merged field by field; the
workflow's rules hold for pushed changes as for REST ones."""

from __future__ import annotations

import uuid

import world
from sqlalchemy import func, select

from server.extensions import db
from server.models import CorrectiveAction, SyncConflict
from server.models.corrective_actions import corrective_action_id

FAIL_MAJOR = {"critical": "pass", "major": "fail", "minor": "pass", "overall": "fail"}


def _push(client, client_id, mutations):
    response = client.post("/api/v1/sync/push", json={"client_id": client_id, "protocol_version": 1,
                                                      "schema_version": 1, "mutations": mutations})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def _offline_failed_inspection(first_id: int, inspection_id: uuid.UUID) -> list[dict]:
    """What a phone queues for an inspection it fails offline, its corrective action last (as review.js does)."""
    mutations = [{"id": first_id, "entity": "inspection", "op": "upsert", "record_id": str(inspection_id),
                  "fields": {"inspection_type": "final", "factory_id": str(world.FACTORY_A),
                             "production_order_id": str(world.PROD_ORDER_A), "lot_size": 1000}}]
    mutations += [{"id": first_id + 1 + n, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
                   "fields": {"inspection_id": str(inspection_id), "defect_type_id": str(world.DEFECT_TYPE),
                              "severity": "major"}} for n in range(6)]
    mutations.append({"id": first_id + 7, "entity": "inspection", "op": "finalize", "record_id": str(inspection_id),
                      "fields": {"verdict": FAIL_MAJOR}})
    mutations.append({"id": first_id + 8, "entity": "corrective_action", "op": "upsert",
                      "record_id": str(corrective_action_id(inspection_id)),
                      "fields": {"inspection_id": str(inspection_id)}})
    return mutations


def _count(app, inspection_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
            CorrectiveAction.inspection_id == inspection_id))


def test_the_phone_s_offline_action_and_the_server_s_are_one_record(app, login_as):
    inspector = login_as("inspector_a")
    inspection_id = uuid.uuid4()
    results = _push(inspector, "capa-phone-0123456789", _offline_failed_inspection(1, inspection_id))
    assert [r["status"] for r in results] == ["applied"] * 9, results
    assert _count(app, inspection_id) == 1
    action = inspector.get(f"/api/v1/corrective-actions/{corrective_action_id(inspection_id)}").get_json()
    # The server's words for the problem, and the phone's write merged into it without a conflict.
    assert action["status"] == "open" and action["problem"].startswith("Failed final inspection")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncConflict)) == 0
    # Sent again (an answer lost on the way): each outcome is answered again, and still one record.
    again = _push(inspector, "capa-phone-0123456789", _offline_failed_inspection(1, inspection_id))
    assert {r["status"] for r in again} == {"duplicate"} and _count(app, inspection_id) == 1


def test_a_second_phone_opening_the_same_action_merges_too(app, login_as):
    first, second = login_as("inspector_a"), login_as("admin")
    inspection_id = uuid.uuid4()
    _push(first, "capa-phone-a-0123456789", _offline_failed_inspection(1, inspection_id))
    action_id = str(corrective_action_id(inspection_id))
    opened = _push(second, "capa-phone-b-0123456789", [{
        "id": 1, "entity": "corrective_action", "op": "upsert", "record_id": action_id,
        "fields": {"inspection_id": str(inspection_id), "owner": "QA lead"}}])
    assert opened[0]["status"] == "applied", opened
    assert _count(app, inspection_id) == 1
    assert first.get(f"/api/v1/corrective-actions/{action_id}").get_json()["owner"] == "QA lead"


def test_the_factory_s_offline_answer_merges_with_qc_s_edit_of_other_fields(app, login_as):
    factory, manager = login_as("factory_a"), login_as("manager")
    url = f"/api/v1/corrective-actions/{world.CORRECTIVE_ACTION_A}"
    base = factory.get(url).get_json()["server_version"]
    # Meanwhile QC moves the due date on the server.
    assert manager.patch(url, json={"due_date": "2030-01-31"}).status_code == 200
    results = _push(factory, "capa-factory-0123456789", [{
        "id": 1, "entity": "corrective_action", "op": "upsert", "record_id": str(world.CORRECTIVE_ACTION_A),
        "base_version": base, "fields": {"root_cause": "Needle plates worn", "action": "Replaced on line 3",
                                         "evidence_notes": "Maintenance log", "status": "awaiting_verification"}}])
    assert results[0]["status"] == "applied", results
    action = factory.get(url).get_json()
    assert (action["due_date"], action["root_cause"], action["status"]) == (
        "2030-01-31", "Needle plates worn", "awaiting_verification")


def test_pushed_changes_obey_the_workflow(app, login_as):
    factory = login_as("factory_a")
    base = factory.get(f"/api/v1/corrective-actions/{world.CORRECTIVE_ACTION_A}").get_json()["server_version"]
    results = _push(factory, "capa-factory-0123456789", [
        {"id": 1, "entity": "corrective_action", "op": "upsert", "record_id": str(world.CORRECTIVE_ACTION_A),
         "base_version": base, "fields": {"status": "awaiting_verification"}},
        {"id": 2, "entity": "corrective_action", "op": "upsert", "record_id": str(world.CORRECTIVE_ACTION_A),
         "base_version": base, "fields": {"due_date": "2031-01-01"}},
        {"id": 3, "entity": "corrective_action", "op": "upsert", "record_id": str(uuid.uuid4()),
         "fields": {"inspection_id": str(world.INSPECTION_A)}},
    ])
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", "answer_incomplete"), ("rejected", "forbidden_field"), ("rejected", "forbidden")]
    pulled = factory.get("/api/v1/sync/pull?client_id=capa-factory-0123456789&limit=2000").get_json()
    actions = [c for c in pulled["changes"] if c["entity"] == "corrective_action"]
    assert [c["id"] for c in actions] == [str(world.CORRECTIVE_ACTION_A)]
    assert "overdue" not in actions[0]["fields"]  # computed per day: phones derive it, replicas never hold it


def test_a_pull_gives_the_action_before_its_evidence_photo(app, login_as):
    factory = login_as("factory_a")
    base = factory.get(f"/api/v1/corrective-actions/{world.CORRECTIVE_ACTION_A}").get_json()["server_version"]
    photo_id = str(uuid.uuid4())
    # Photo first in the batch: both are written by one transaction, so they share a version.
    results = _push(factory, "capa-factory-0123456789", [
        {"id": 1, "entity": "photo", "op": "upsert", "record_id": photo_id,
         "fields": {"sha256": "ab" * 32, "kind": "evidence", "corrective_action_id": str(world.CORRECTIVE_ACTION_A)}},
        {"id": 2, "entity": "corrective_action", "op": "upsert", "record_id": str(world.CORRECTIVE_ACTION_A),
         "base_version": base, "fields": {"root_cause": "Needle plates worn"}}])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    pulled = factory.get("/api/v1/sync/pull?client_id=capa-other-0123456789&limit=2000").get_json()["changes"]
    order = [c["id"] for c in pulled if c["id"] in (photo_id, str(world.CORRECTIVE_ACTION_A))]
    assert order == [str(world.CORRECTIVE_ACTION_A), photo_id]
