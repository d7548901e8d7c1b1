"""The sync protocol's rules, through the real app (PROTOCOL.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import world
from sqlalchemy import func, select

from server.extensions import db
from server.models import InspectionDefect, SyncRejection

CLIENT = "device-0123456789abcdef"


def _push(client, mutations, client_id=CLIENT, **extra):
    body = {"client_id": client_id, "protocol_version": 1, "schema_version": 1, "mutations": mutations, **extra}
    return client.post("/api/v1/sync/push", json=body)


def _defect(mutation_id, record_id=None, **fields):
    return {"id": mutation_id, "entity": "inspection_defect", "op": "upsert",
            "record_id": str(record_id or uuid.uuid4()),
            "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                       "severity": "minor", **fields}}


def _pull_all(client, client_id=CLIENT, cursor=None):
    changes, answer = [], None
    while True:
        query = f"client_id={client_id}&limit=7" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"/api/v1/sync/pull?{query}").get_json()
        assert not answer.get("reset"), answer
        changes += answer["changes"]
        cursor = answer["cursor"]
        if not answer["has_more"]:
            return changes, answer


def _defect_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InspectionDefect))


def test_same_batch_twice_and_reordered_retries_create_nothing_new(app, login_as):
    inspector = login_as("inspector_a")
    batch = [_defect(1), _defect(2), _defect(3)]
    first = _push(inspector, batch).get_json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 3 and first["last_mutation_id"] == 3
    count = _defect_count(app)
    again = _push(inspector, list(reversed(batch)) + batch[:1]).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    assert _defect_count(app) == count
    # A later batch that overlaps the acknowledged one applies only its new part.
    overlap = _push(inspector, [batch[2], _defect(4)]).get_json()
    assert [r["status"] for r in overlap["results"]] == ["duplicate", "applied"]
    assert _defect_count(app) == count + 1


def test_a_gap_is_refused_with_nothing_applied(app, login_as):
    inspector = login_as("inspector_a")
    assert _push(inspector, [_defect(1)]).status_code == 200
    count = _defect_count(app)
    gap = _push(inspector, [_defect(3), _defect(4)])
    assert gap.status_code == 409 and gap.get_json()["error"]["code"] == "mutation_gap"
    assert gap.get_json()["error"]["fields"]["expected"] == 2
    inner_gap = _push(inspector, [_defect(2), _defect(4)])
    assert inner_gap.status_code == 409
    assert _defect_count(app) == count
    ordered = _push(inspector, [_defect(2), _defect(3)]).get_json()
    assert ordered["last_mutation_id"] == 3


def test_pull_with_last_mutation_id_contains_its_effects(login_as):
    inspector = login_as("inspector_a")
    record = uuid.uuid4()
    _push(inspector, [_defect(1, record, note="seam open at hem")])
    changes, answer = _pull_all(inspector)
    assert answer["last_mutation_id"] >= 1
    pulled = {c["id"]: c for c in changes}
    assert pulled[str(record)]["fields"]["note"] == "seam open at hem"
    assert pulled[str(record)]["version"] >= 1
    # The cursor moves on: a second pull brings nothing new.
    again, _ = _pull_all(inspector, cursor=answer["cursor"])
    assert again == []


def test_poison_mutation_is_rejected_recorded_and_does_not_block(app, login_as):
    inspector = login_as("inspector_a")
    poison = {"id": 2, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
              "fields": {"inspection_id": str(world.INSPECTION_A), "severity": "catastrophic"}}
    answer = _push(inspector, [_defect(1), poison, _defect(3), {**_defect(4), "entity": "spaceship"}]).get_json()
    statuses = [(r["status"], r.get("code")) for r in answer["results"]]
    assert statuses == [("applied", None), ("rejected", "validation_error"), ("applied", None),
                        ("rejected", "unknown_entity")]
    assert answer["last_mutation_id"] == 4
    with app.app_context():
        rejected = db.session.scalars(select(SyncRejection).order_by(SyncRejection.mutation_id)).all()
        assert [(r.mutation_id, r.code) for r in rejected] == [(2, "validation_error"), (4, "unknown_entity")]
        assert rejected[0].fields["severity"] == "catastrophic"


def test_finalized_and_deleted_records_reject_changes(app, login_as):
    inspector = login_as("inspector_a")
    delete = {"id": 1, "entity": "inspection_defect", "op": "delete", "record_id": str(world.DEFECT_A), "fields": {}}
    edit_after = {"id": 2, "entity": "inspection_defect", "op": "upsert", "record_id": str(world.DEFECT_A),
                  "fields": {"note": "comes back?"}, "base_version": 1}
    answer = _push(inspector, [delete, edit_after]).get_json()
    assert [(r["status"], r.get("code")) for r in answer["results"]] == [("applied", None), ("rejected", "deleted")]
    changes, _ = _pull_all(inspector)
    tombstone = next(c for c in changes if c["id"] == str(world.DEFECT_A))
    assert tombstone["deleted"] is True


def test_different_fields_both_survive_and_same_field_conflicts(app, login_as):
    phone = login_as("inspector_a")
    base = next(c for c in _pull_all(phone)[0] if c["id"] == str(world.INSPECTION_A))["version"]
    manager = login_as("manager")
    assert manager.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"notes": "from the office"}).status_code == 200
    edit = {"id": 1, "entity": "inspection", "op": "upsert", "record_id": str(world.INSPECTION_A),
            "fields": {"notes": "from the floor", "packed_quantity": 950}, "base_version": base}
    answer = _push(phone, [edit]).get_json()
    result = answer["results"][0]
    assert result["status"] == "applied_with_conflicts" and [c["field"] for c in result["conflicts"]] == ["notes"]
    record = phone.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()
    assert (record["notes"], record["packed_quantity"]) == ("from the office", 950)
    listed = phone.get("/api/v1/sync/conflicts").get_json()
    assert [(c["field"], c["stored_value"], c["incoming_value"]) for c in listed] == [
        ("notes", "from the office", "from the floor")]
    assert login_as("inspector_b").get("/api/v1/sync/conflicts").get_json() == []
    resolved = phone.post(f"/api/v1/sync/conflicts/{listed[0]['id']}/resolve", json={"choice": "incoming"})
    assert resolved.status_code == 200 and resolved.get_json()["resolution"] == "incoming"
    assert phone.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["notes"] == "from the floor"
    assert phone.get("/api/v1/sync/conflicts").get_json() == []
    twice = phone.post(f"/api/v1/sync/conflicts/{listed[0]['id']}/resolve", json={"choice": "stored"})
    assert twice.status_code == 409


def test_own_consecutive_edits_never_conflict(login_as):
    phone = login_as("inspector_a")
    record = uuid.uuid4()
    first = _defect(1, record, note="one")
    second = {"id": 2, "entity": "inspection_defect", "op": "upsert", "record_id": str(record),
              "fields": {"note": "two"}, "base_version": None}
    answer = _push(phone, [first, second]).get_json()
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    assert phone.get(f"/api/v1/inspection-defects/{record}").get_json()["note"] == "two"


def test_scope_push_and_pull_of_another_factory(app, login_as):
    intruder = login_as("inspector_b")
    answer = _push(intruder, [_defect(1), {"id": 2, "entity": "inspection", "op": "upsert",
                                           "record_id": str(world.INSPECTION_A), "fields": {"notes": "x"}}]).get_json()
    assert [r["status"] for r in answer["results"]] == ["rejected", "rejected"]
    assert answer["results"][1]["code"] == "not_found"
    changes, _ = _pull_all(intruder, client_id="device-b-0123456789abcdef")
    factories = {c["fields"].get("factory_id") for c in changes if "factory_id" in c["fields"]}
    assert str(world.FACTORY_A) not in factories
    assert str(world.INSPECTION_A) not in {c["id"] for c in changes}
    assert str(world.INSPECTION_B) in {c["id"] for c in changes}


def test_reference_data_reaches_everyone_but_records_only_their_scope(login_as):
    designer = login_as("designer")
    changes, _ = _pull_all(designer, client_id="designer-0123456789abcdef")
    entities = {c["entity"] for c in changes}
    assert {"style", "defect_type", "factory", "measurement_spec"} <= entities
    assert "inspection" not in entities  # designers review online; their phone holds only their own records


def test_client_is_bound_to_its_first_user(login_as):
    assert _push(login_as("inspector_a"), [_defect(1)]).status_code == 200
    other = _push(login_as("admin"), [])
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "client_bound"


@pytest.mark.parametrize("versions", [{"protocol_version": 99}, {"schema_version": 0}])
def test_outdated_client_is_refused_cleanly(app, login_as, versions):
    inspector = login_as("inspector_a")
    count = _defect_count(app)
    response = _push(inspector, [_defect(1)], **versions)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "client_outdated"
    assert _defect_count(app) == count
    pulled = inspector.get(f"/api/v1/sync/pull?client_id={CLIENT}&protocol_version=99")
    assert pulled.status_code == 409


def test_bad_cursor_is_a_400(login_as):
    response = login_as("inspector_a").get(f"/api/v1/sync/pull?client_id={CLIENT}&cursor=garbage")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_cursor"


def test_pull_leaves_out_computed_fields(login_as):
    changes, _ = _pull_all(login_as("inspector_a"))
    inspection = next(c for c in changes if c["id"] == str(world.INSPECTION_A))
    assert "lot_size" in inspection["fields"] and "photos_pending" not in inspection["fields"]
