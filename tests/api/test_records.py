"""Rules every record resource shares: scope on writes, references, immutability, read-only finalized inspections."""

from __future__ import annotations

import uuid

import world

from server.extensions import db


def _code(response):
    return response.get_json()["error"]["code"]


def test_inspector_records_a_defect_with_a_client_generated_id(login_as):
    inspector = login_as("inspector_a")
    defect_id = str(uuid.uuid4())
    body = {"id": defect_id, "inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
            "severity": "minor", "location": "hem", "note": "<img src=x onerror=alert(1)>"}
    created = inspector.post("/api/v1/inspection-defects", json=body)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["id"] == defect_id and record["factory_id"] == str(world.FACTORY_A)
    assert record["note"] == "<img src=x onerror=alert(1)>"  # stored as text, verbatim
    again = inspector.post("/api/v1/inspection-defects", json=body)
    assert again.status_code == 409 and _code(again) == "already_exists"
    listed = inspector.get(f"/api/v1/inspection-defects?inspection_id={world.INSPECTION_A}").get_json()
    assert defect_id in {d["id"] for d in listed}


def test_inspector_cannot_write_into_another_factory(login_as):
    inspector_b = login_as("inspector_b")
    body = {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE), "severity": "major"}
    response = inspector_b.post("/api/v1/inspection-defects", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"inspection_id": ["Unknown inspection."]}
    new_inspection = {"inspection_type": "final", "factory_id": str(world.FACTORY_A), "lot_size": 500}
    response = inspector_b.post("/api/v1/inspections", json=new_inspection)
    assert response.status_code == 400 and "factory_id" in response.get_json()["error"]["fields"]


def test_references_must_stay_inside_one_factory(login_as):
    manager = login_as("manager")
    body = {"number": "MO-X", "purchase_order_id": str(world.PO_B), "factory_id": str(world.FACTORY_A),
            "quantity": 10}
    response = manager.post("/api/v1/production-orders", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"purchase_order_id": ["The purchase order belongs to another factory."]}


def test_new_inspection_defaults_its_inspector_and_checks_assignment(login_as):
    inspector = login_as("inspector_a")
    created = inspector.post("/api/v1/inspections", json={"inspection_type": "inline", "factory_id": str(world.FACTORY_A),
                                                         "lot_size": 800, "aql_major": 4})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["inspector_id"] == str(world.user_id("inspector_a")) and body["status"] == "planned"
    assert body["aql_major"] == "4.0"
    manager = login_as("manager")
    wrong = manager.patch(f"/api/v1/inspections/{body['id']}", json={"inspector_id": str(world.user_id("inspector_b"))})
    assert wrong.status_code == 400 and "inspector_id" in wrong.get_json()["error"]["fields"]


def test_immutable_fields_cannot_change(login_as):
    inspector = login_as("inspector_a")
    response = inspector.patch(f"/api/v1/inspection-defects/{world.DEFECT_A}", json={"severity": "critical"})
    assert response.status_code == 400 and "severity" in response.get_json()["error"]["fields"]
    response = inspector.patch(f"/api/v1/inspection-defects/{world.DEFECT_A}", json={"note": "right sleeve"})
    assert response.status_code == 200 and response.get_json()["note"] == "right sleeve"


def test_finalized_inspection_is_read_only(app, login_as):
    from server.models import Inspection
    from server.services import changes

    with app.app_context():
        with changes.recording(None, "automation"):
            db.session.get(Inspection, world.INSPECTION_A).status = "finalized"
    inspector = login_as("inspector_a")
    attempts = [
        inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"notes": "late edit"}),
        inspector.patch(f"/api/v1/inspection-defects/{world.DEFECT_A}", json={"note": "late edit"}),
        inspector.delete(f"/api/v1/inspection-defects/{world.DEFECT_A}"),
        inspector.post("/api/v1/inspection-defects", json={"inspection_id": str(world.INSPECTION_A),
                                                          "defect_type_id": str(world.DEFECT_TYPE),
                                                          "severity": "minor"}),
        login_as("manager").delete(f"/api/v1/inspections/{world.INSPECTION_A}"),
    ]
    for response in attempts:
        assert response.status_code == 409 and _code(response) == "inspection_finalized", response.get_json()
    assert inspector.get(f"/api/v1/inspection-defects/{world.DEFECT_A}").get_json()["note"] == "left sleeve"


def test_status_cannot_be_set_to_finalized_by_patch(login_as):
    inspector = login_as("inspector_a")
    response = inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"status": "finalized"})
    assert response.status_code == 400 and "status" in response.get_json()["error"]["fields"]


def test_milestones_are_append_only(login_as):
    factory_user = login_as("factory_a")
    body = {"production_order_id": str(world.PROD_ORDER_A), "stage": "sewing", "quantity": 400,
            "occurred_on": "2026-03-10", "delay_reason": "late_trims", "note": "zips arrived late"}
    created = factory_user.post("/api/v1/milestone-events", json=body)
    assert created.status_code == 201 and created.get_json()["factory_id"] == str(world.FACTORY_A)
    event_id = created.get_json()["id"]
    assert factory_user.patch(f"/api/v1/milestone-events/{event_id}", json={"quantity": 1}).status_code == 405
    assert factory_user.delete(f"/api/v1/milestone-events/{event_id}").status_code == 405
    bad = factory_user.post("/api/v1/milestone-events", json={**body, "stage": "dyeing", "delay_reason": "rain"})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"stage", "delay_reason"}


def test_admin_manages_users_and_assignments(app, login_as):
    admin = login_as("admin")
    created = admin.post("/api/v1/users", json={"email": "New.Inspector@Example.com", "display_name": "New",
                                               "role": "inspector", "password": "long enough pass",
                                               "factory_ids": [str(world.FACTORY_B)]})
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert user["email"] == "new.inspector@example.com" and user["factory_ids"] == [str(world.FACTORY_B)]
    assert "password" not in user and "password_hash" not in user
    moved = admin.patch(f"/api/v1/users/{user['id']}", json={"factory_ids": [str(world.FACTORY_A)]})
    assert moved.get_json()["factory_ids"] == [str(world.FACTORY_A)]
    dup = admin.post("/api/v1/users", json={"email": "new.inspector@example.com", "display_name": "Dup",
                                           "role": "designer", "password": "long enough pass"})
    assert dup.status_code == 409 and _code(dup) == "email_taken"
    factory_user = admin.post("/api/v1/users", json={"email": "f2@example.com", "display_name": "F2", "role": "factory",
                                                    "password": "long enough pass",
                                                    "factory_ids": [str(world.FACTORY_A), str(world.FACTORY_B)]})
    assert factory_user.status_code == 400 and "factory_ids" in factory_user.get_json()["error"]["fields"]
    self_demote = admin.patch(f"/api/v1/users/{world.user_id('admin')}", json={"role": "manager"})
    assert self_demote.status_code == 400


def test_patch_cannot_change_a_record_id(login_as):
    admin = login_as("admin")
    response = admin.patch(f"/api/v1/styles/{world.STYLE}", json={"id": str(uuid.uuid4()), "name": "X"})
    assert response.status_code == 400 and "id" in response.get_json()["error"]["fields"]
    same = admin.patch(f"/api/v1/styles/{world.STYLE}", json={"id": str(world.STYLE), "name": "Crew neck tee"})
    assert same.status_code == 200 and same.get_json()["name"] == "Crew neck tee"
