"""Corrective actions (CAPA): opened by a failed finalize or a critical defect, exactly one per inspection;
answered by the factory, verified by QC; every transition and refusal; factory scope; the re-inspection link."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import world
from sqlalchemy import func, select

from server.extensions import db
from server.models import CorrectiveAction
from server.models.corrective_actions import corrective_action_id

URL = "/api/v1/corrective-actions"
FAIL_MAJOR = {"critical": "pass", "major": "fail", "minor": "pass", "overall": "fail"}
FAIL_CRITICAL = {"critical": "fail", "major": "pass", "minor": "pass", "overall": "fail"}
PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}


def _inspection(client, **fields) -> str:
    body = {"inspection_type": "final", "factory_id": str(world.FACTORY_A),
            "production_order_id": str(world.PROD_ORDER_A), "lot_size": 1000, **fields}
    response = client.post("/api/v1/inspections", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _defects(client, inspection_id, severity, n):
    for _ in range(n):
        response = client.post("/api/v1/inspection-defects", json={
            "inspection_id": inspection_id, "defect_type_id": str(world.DEFECT_TYPE), "severity": severity})
        assert response.status_code == 201, response.get_json()


def _finalize(client, inspection_id, verdict):
    response = client.post(f"/api/v1/inspections/{inspection_id}/finalize", json={"verdict": verdict})
    assert response.status_code == 200, response.get_json()


def _failed_inspection(client) -> str:
    inspection_id = _inspection(client)
    _defects(client, inspection_id, "major", 6)  # J at 2.5 rejects at 6
    _finalize(client, inspection_id, FAIL_MAJOR)
    return inspection_id


def _actions_of(app, inspection_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
            CorrectiveAction.inspection_id == uuid.UUID(inspection_id)))


def _error(response, status, code):
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code, response.get_json()
    return response.get_json()["error"]


def test_a_failed_finalize_opens_one_action_with_the_derived_id(app, login_as):
    inspector = login_as("inspector_a")
    inspection_id = _failed_inspection(inspector)
    action = inspector.get(f"{URL}/{corrective_action_id(uuid.UUID(inspection_id))}").get_json()
    assert (action["status"], action["factory_id"], action["inspection_id"]) == (
        "open", str(world.FACTORY_A), inspection_id)
    assert action["problem"] == "Failed final inspection: 0 critical, 6 major, 0 minor."
    assert action["due_date"] == (date.today() + timedelta(days=14)).isoformat() and action["overdue"] is False
    assert _actions_of(app, inspection_id) == 1


def test_a_passed_finalize_opens_none(app, login_as):
    inspector = login_as("inspector_a")
    inspection_id = _inspection(inspector)
    _finalize(inspector, inspection_id, PASS)
    assert _actions_of(app, inspection_id) == 0


def test_a_critical_defect_opens_the_action_once_and_finalize_keeps_it(app, login_as):
    inspector = login_as("inspector_a")
    inspection_id = _inspection(inspector)
    _defects(inspector, inspection_id, "critical", 2)
    action_id = corrective_action_id(uuid.UUID(inspection_id))
    action = inspector.get(f"{URL}/{action_id}").get_json()
    assert action["status"] == "open" and action["problem"] == "Critical defect recorded: Broken stitch."
    _finalize(inspector, inspection_id, FAIL_CRITICAL)
    assert _actions_of(app, inspection_id) == 1
    assert inspector.get(f"{URL}/{action_id}").get_json()["problem"] == "Critical defect recorded: Broken stitch."


def test_qc_may_open_one_only_with_the_derived_id_and_a_cause(app, login_as):
    inspector = login_as("inspector_a")
    passed = _inspection(inspector)
    _finalize(inspector, passed, PASS)
    _error(inspector.post(URL, json={"id": str(corrective_action_id(uuid.UUID(passed))), "inspection_id": passed}),
           409, "no_corrective_action_cause")
    inspection_id = _inspection(inspector)
    _defects(inspector, inspection_id, "major", 6)
    inspector.post(f"/api/v1/inspections/{inspection_id}/finalize", json={"verdict": FAIL_MAJOR})
    error = _error(inspector.post(URL, json={"id": str(uuid.uuid4()), "inspection_id": inspection_id}),
                   400, "validation_error")
    assert "id" in error["fields"]
    _error(inspector.post(URL, json={"id": str(corrective_action_id(uuid.UUID(inspection_id))),
                                     "inspection_id": inspection_id}), 409, "already_exists")
    assert _actions_of(app, inspection_id) == 1
    _error(login_as("factory_a").post(URL, json={"inspection_id": passed}), 403, "forbidden")


def _answer(factory, action_id, **fields):
    return factory.patch(f"{URL}/{action_id}", json=fields)


def test_the_whole_loop_and_every_refused_step(login_as):
    factory, inspector, manager = login_as("factory_a"), login_as("inspector_a"), login_as("manager")
    url = f"{URL}/{world.CORRECTIVE_ACTION_A}"
    # Not answered yet: nothing goes to QC, and only QC closes or sends back.
    error = _error(factory.patch(url, json={"status": "awaiting_verification"}), 400, "answer_incomplete")
    assert set(error["fields"]) == {"root_cause", "action"}
    _error(factory.patch(url, json={"status": "closed"}), 409, "invalid_transition")
    # The factory answers only its own fields.
    error = _error(factory.patch(url, json={"due_date": "2030-01-01"}), 403, "forbidden_field")
    assert set(error["fields"]) == {"due_date"}
    _error(factory.patch(url, json={"verification_note": "fine"}), 403, "forbidden_field")
    assert factory.patch(url, json={"status": "in_progress", "owner": "Line 3 supervisor"}).status_code == 200
    answered = factory.patch(url, json={"root_cause": "Worn needle plate on line 3.", "action": "Plates replaced.",
                                        "evidence_notes": "Maintenance log 2026-05-20.",
                                        "status": "awaiting_verification"})
    assert answered.status_code == 200 and answered.get_json()["status"] == "awaiting_verification"
    _error(factory.patch(url, json={"status": "closed"}), 403, "forbidden_transition")
    _error(factory.patch(url, json={"status": "in_progress"}), 403, "forbidden_transition")
    # QC sends it back, saying why; the factory answers again; QC closes.
    _error(inspector.patch(url, json={"status": "in_progress"}), 400, "note_required")
    back = inspector.patch(url, json={"status": "in_progress", "verification_note": "Show the new plates."})
    assert back.status_code == 200 and back.get_json()["verified_at"] is None
    factory.patch(url, json={"evidence_notes": "Photos of the new plates.", "status": "awaiting_verification"})
    closed = manager.patch(url, json={"status": "closed", "verification_note": "Checked on the line."}).get_json()
    assert closed["status"] == "closed" and closed["verified_by_id"] == str(world.user_id("manager"))
    assert closed["verified_at"] is not None
    # Closed is read-only for everyone.
    _error(manager.patch(url, json={"problem": "changed"}), 409, "corrective_action_closed")
    _error(factory.patch(url, json={"root_cause": "changed"}), 409, "corrective_action_closed")
    # No delete route: an action is closed, never deleted.
    assert manager.delete(url).status_code in (404, 405)


def test_the_designer_neither_reads_nor_writes_actions(login_as):
    designer = login_as("designer")
    assert designer.get(URL).status_code == 403
    assert designer.patch(f"{URL}/{world.CORRECTIVE_ACTION_A}", json={"problem": "x"}).status_code == 403


def test_another_factory_neither_sees_nor_touches_the_action(app, login_as):
    from server.services.users import create_user

    with app.app_context():  # a factory user of factory B
        create_user(None, {"email": "factory-b@example.com", "display_name": "Factory B", "role": "factory",
                           "password": world.PASSWORD, "factory_ids": [world.FACTORY_B]}, source="seed")
    for other in (login_as("inspector_b"), _factory_b(app)):
        url = f"{URL}/{world.CORRECTIVE_ACTION_A}"
        ghost = f"{URL}/{uuid.uuid4()}"
        assert _error(other.get(url), 404, "not_found") == _error(other.get(ghost), 404, "not_found")
        _error(other.patch(url, json={"root_cause": "not ours"}), 404, "not_found")
        assert other.get(URL).get_json() == []
        assert other.get(URL, query_string={"factory_id": str(world.FACTORY_A)}).get_json() == []


def _factory_b(app):
    from apps import ApiClient

    client = ApiClient(app.test_client())
    assert client.login("factory-b@example.com", world.PASSWORD).status_code == 200
    return client


def test_list_filters_by_status_factory_and_overdue(login_as):
    manager, inspector = login_as("manager"), login_as("inspector_a")
    fresh = str(corrective_action_id(uuid.UUID(_failed_inspection(inspector))))
    # The world's action was due 2026-06-01: overdue unless closed.
    ids = lambda **q: {a["id"] for a in manager.get(URL, query_string=q).get_json()}  # noqa: E731
    assert ids() == {str(world.CORRECTIVE_ACTION_A), fresh}
    assert ids(overdue="true") == {str(world.CORRECTIVE_ACTION_A)}
    assert ids(overdue="false") == {fresh}
    assert ids(status="open", factory_id=str(world.FACTORY_A)) == {str(world.CORRECTIVE_ACTION_A), fresh}
    assert ids(status="closed") == set()
    assert ids(factory_id=str(world.FACTORY_B)) == set()
    assert manager.get(f"{URL}/{world.CORRECTIVE_ACTION_A}").get_json()["overdue"] is True
    assert manager.get(URL, query_string={"overdue": "perhaps"}).status_code in (400, 422)


def test_a_passing_reinspection_is_linked_and_closes_the_loop(login_as):
    factory, inspector = login_as("factory_a"), login_as("inspector_a")
    first = _failed_inspection(inspector)
    action_url = f"{URL}/{corrective_action_id(uuid.UUID(first))}"
    factory.patch(action_url, json={"root_cause": "Tension", "action": "Retrained", "status": "awaiting_verification"})
    again = _inspection(inspector, reinspection_of_id=first)
    _finalize(inspector, again, PASS)
    action = inspector.get(action_url).get_json()
    assert (action["reinspection_id"], action["status"]) == (again, "closed")
    assert action["verified_by_id"] == str(world.user_id("inspector_a"))


def test_a_reinspection_before_the_answer_is_only_linked(login_as):
    inspector = login_as("inspector_a")
    first = _failed_inspection(inspector)
    again = _inspection(inspector, reinspection_of_id=first)
    _finalize(inspector, again, PASS)
    action = inspector.get(f"{URL}/{corrective_action_id(uuid.UUID(first))}").get_json()
    assert (action["reinspection_id"], action["status"]) == (again, "open")


def test_qc_links_only_a_reinspection_of_the_same_order(login_as):
    inspector = login_as("inspector_a")
    other = inspector.post("/api/v1/inspections", json={"inspection_type": "final", "factory_id": str(world.FACTORY_A),
                                                        "lot_size": 500}).get_json()["id"]
    error = _error(inspector.patch(f"{URL}/{world.CORRECTIVE_ACTION_A}", json={"reinspection_id": other}),
                   400, "validation_error")
    assert "reinspection_id" in error["fields"]
    b = _error(inspector.patch(f"{URL}/{world.CORRECTIVE_ACTION_A}",
                               json={"reinspection_id": str(world.INSPECTION_B)}), 400, "validation_error")
    assert "reinspection_id" in b["fields"]


def test_the_scorecard_counts_open_and_overdue_actions(login_as):
    manager, inspector = login_as("manager"), login_as("inspector_a")
    _failed_inspection(inspector)
    card = manager.get(f"/api/v1/analytics/factories/{world.FACTORY_A}/scorecard").get_json()
    assert card["corrective_actions"] == {"open": 2, "overdue": 1, "awaiting_verification": 0}
    other = manager.get(f"/api/v1/analytics/factories/{world.FACTORY_B}/scorecard").get_json()
    assert other["corrective_actions"] == {"open": 0, "overdue": 0, "awaiting_verification": 0}


def test_the_vocabulary_serves_statuses_and_transitions(client, login_as):
    document = login_as("factory_a").get("/api/v1/vocabulary").get_json()
    assert document["vocabulary"]["corrective_action_statuses"] == [
        "open", "in_progress", "awaiting_verification", "closed"]
    assert ["awaiting_verification", "closed", ["inspector", "manager", "admin"]] in \
        document["vocabulary"]["corrective_action_transitions"]
    assert document["permissions"]["factory"]["corrective_action"] == ["read", "update"]


def test_the_demo_data_holds_open_overdue_and_closed_actions(empty_app):
    from server.seed.demo import seed_demo
    from server.services.corrective_actions import overdue_clause

    with empty_app.app_context():
        seed_demo(today=date.today())
        statuses = dict(db.session.execute(select(CorrectiveAction.status, func.count())
                                           .group_by(CorrectiveAction.status)).all())
        assert set(statuses) == {"open", "in_progress", "awaiting_verification", "closed"}, statuses
        assert db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(overdue_clause(True))) > 0
        closed = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.status == "closed")).first()
        assert closed.reinspection_id is not None and closed.verified_at is not None and closed.root_cause
        # Every action carries the id its inspection derives: a phone opening one finds the same record.
        assert all(a.id == corrective_action_id(a.inspection_id) for a in db.session.scalars(select(CorrectiveAction)))


def test_evidence_photos_belong_to_the_action_and_its_factory(app, login_as):
    factory = login_as("factory_a")
    photo = factory.post("/api/v1/photo-records", json={
        "sha256": "ef" * 32, "kind": "evidence", "corrective_action_id": str(world.CORRECTIVE_ACTION_A),
        "caption": "new needle plates"})
    assert photo.status_code == 201, photo.get_json()
    body = photo.get_json()
    assert (body["factory_id"], body["corrective_action_id"], body["inspection_id"]) == (
        str(world.FACTORY_A), str(world.CORRECTIVE_ACTION_A), None)
    listed = factory.get("/api/v1/photo-records", query_string={"corrective_action_id": str(world.CORRECTIVE_ACTION_A)})
    assert [p["id"] for p in listed.get_json()] == [body["id"]]
    moved = factory.patch(f"/api/v1/photo-records/{body['id']}", json={"corrective_action_id": str(uuid.uuid4())})
    _error(moved, 400, "immutable_field")
    # Another factory's inspector cannot attach evidence to it: the action does not exist for them.
    other = login_as("inspector_b").post("/api/v1/photo-records", json={
        "sha256": "ef" * 32, "kind": "evidence", "corrective_action_id": str(world.CORRECTIVE_ACTION_A)})
    assert other.status_code == 400 and "corrective_action_id" in other.get_json()["error"]["fields"]
