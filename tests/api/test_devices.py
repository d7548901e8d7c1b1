"""Devices: listed by their users and by admins; an admin revokes a lost one (PROTOCOL.md 1.3)."""

from __future__ import annotations

import uuid

import world
from sqlalchemy import func, select

from server.extensions import db
from server.models import InspectionDefect, SyncClient

PHONE = "lost-phone-0123456789"
OTHER_PHONE = "kept-phone-0123456789"


def _defect(mutation_id: int, record_id: uuid.UUID) -> dict:
    return {"id": mutation_id, "entity": "inspection_defect", "op": "upsert", "record_id": str(record_id),
            "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                       "severity": "minor"}, "base_version": None}


def _push(client, client_id: str, mutations: list[dict]):
    return client.post("/api/v1/sync/push", json={"client_id": client_id, "protocol_version": 1,
                                                  "schema_version": 1, "mutations": mutations},
                       headers={"User-Agent": f"test phone {client_id}"})


def _pull(client, client_id: str):
    return client.get(f"/api/v1/sync/pull?client_id={client_id}")


def _defects(app, ids) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InspectionDefect)
                                 .where(InspectionDefect.id.in_(ids)))


def test_admin_revokes_a_lost_device_and_push_and_pull_are_refused(app, login_as):
    inspector = login_as("inspector_a")
    first = uuid.uuid4()
    assert _push(inspector, PHONE, [_defect(1, first)]).status_code == 200
    assert _push(inspector, OTHER_PHONE, []).status_code == 200
    admin = login_as("admin")

    revoked = admin.post(f"/api/v1/devices/{PHONE}/revoke", json={})
    assert revoked.status_code == 200, revoked.get_json()
    body = revoked.get_json()
    assert body["client_id"] == PHONE and body["revoked_at"] is not None
    assert body["revoked_by_id"] == str(world.user_id("admin"))
    assert body["user_email"] == "inspector-a@example.com" and body["last_mutation_id"] == 1

    second = uuid.uuid4()
    refused = _push(inspector, PHONE, [_defect(2, second)])
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "client_revoked"
    assert _defects(app, [second]) == 0
    pulled = _pull(inspector, PHONE)
    assert pulled.status_code == 403 and pulled.get_json()["error"]["code"] == "client_revoked"
    # Only that device: the user's other phone still syncs, and their session is untouched.
    assert _push(inspector, OTHER_PHONE, [_defect(1, uuid.uuid4())]).status_code == 200
    assert _pull(inspector, OTHER_PHONE).status_code == 200
    assert inspector.get("/api/v1/auth/me").status_code == 200

    # Revoking again keeps the first revocation.
    again = admin.post(f"/api/v1/devices/{PHONE}/revoke", json={}).get_json()
    assert again["revoked_at"] == body["revoked_at"]


def test_a_found_device_is_reinstated_and_syncs_what_waited(app, login_as):
    inspector = login_as("inspector_a")
    assert _push(inspector, PHONE, [_defect(1, uuid.uuid4())]).status_code == 200
    admin = login_as("admin")
    assert admin.post(f"/api/v1/devices/{PHONE}/revoke").status_code == 200  # no body at all
    waiting = uuid.uuid4()
    assert _push(inspector, PHONE, [_defect(2, waiting)]).status_code == 403

    reinstated = admin.post(f"/api/v1/devices/{PHONE}/reinstate")
    assert reinstated.status_code == 200
    assert (reinstated.get_json()["revoked_at"], reinstated.get_json()["revoked_by_id"]) == (None, None)
    pushed = _push(inspector, PHONE, [_defect(2, waiting)])
    assert pushed.status_code == 200 and pushed.get_json()["results"][0]["status"] == "applied"
    assert _defects(app, [waiting]) == 1


def test_revoking_can_also_end_the_users_sessions(app, login_as):
    lost_phone = login_as("inspector_a")
    assert _push(lost_phone, PHONE, []).status_code == 200
    admin = login_as("admin")
    response = admin.post(f"/api/v1/devices/{PHONE}/revoke", json={"end_sessions": True})
    assert response.status_code == 200
    assert lost_phone.get("/api/v1/auth/me").status_code == 401
    assert admin.get("/api/v1/auth/me").status_code == 200


def test_admins_list_every_device_and_users_their_own(app, login_as):
    inspector_a = login_as("inspector_a")
    inspector_b = login_as("inspector_b")
    assert _push(inspector_a, PHONE, []).status_code == 200
    assert _push(inspector_b, OTHER_PHONE, []).status_code == 200
    admin = login_as("admin")

    everything = admin.get("/api/v1/devices")
    assert everything.status_code == 200
    by_id = {d["client_id"]: d for d in everything.get_json()}
    assert set(by_id) == {PHONE, OTHER_PHONE}
    assert by_id[PHONE]["user_id"] == str(world.user_id("inspector_a"))
    assert by_id[PHONE]["user_agent"] == f"test phone {PHONE}"
    assert by_id[PHONE]["created_at"] and by_id[PHONE]["last_seen_at"] and by_id[PHONE]["revoked_at"] is None
    one_user = admin.get(f"/api/v1/devices?user_id={world.user_id('inspector_b')}").get_json()
    assert [d["client_id"] for d in one_user] == [OTHER_PHONE]

    own = inspector_a.get("/api/v1/devices").get_json()
    assert [d["client_id"] for d in own] == [PHONE]
    # Asking for someone else's devices shows nothing rather than theirs.
    assert inspector_a.get(f"/api/v1/devices?user_id={world.user_id('inspector_b')}").get_json() == []


def test_only_admins_revoke_and_unknown_devices_are_404(app, login_as):
    inspector = login_as("inspector_a")
    assert _push(inspector, PHONE, []).status_code == 200
    for persona in ("inspector_a", "manager"):
        refused = login_as(persona).post(f"/api/v1/devices/{PHONE}/revoke", json={})
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    with app.app_context():
        assert db.session.get(SyncClient, PHONE).revoked_at is None
    admin = login_as("admin")
    missing = admin.post("/api/v1/devices/no-such-device-000000/revoke", json={})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert admin.post("/api/v1/devices/no-such-device-000000/reinstate").status_code == 404
    bad = admin.post(f"/api/v1/devices/{PHONE}/revoke", json={"end_sessions": "maybe", "other": 1})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"end_sessions", "other"}
