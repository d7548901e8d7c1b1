"""The webhook endpoints API (admins only) and each user's e-mail choices."""

from __future__ import annotations

import world

URL = "http://127.0.0.1:9/hook"


def _create(admin, **body):
    return admin.post("/api/v1/webhooks", json={"url": URL, "events": ["inspection_finalized"], **body})


def test_admin_registers_an_endpoint_and_sees_its_secret_only_when_it_is_made(login_as):
    admin = login_as("admin")
    created = _create(admin, description="QA dashboard", events=["inspection_failed", "inspection_finalized"])
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert len(body["secret"]) == 64 and body["active"] is True
    assert body["events"] == ["inspection_finalized", "inspection_failed"]  # the vocabulary's order
    assert body["created_by_id"] == str(world.user_id("admin"))
    endpoint_id = body["id"]

    read = admin.get(f"/api/v1/webhooks/{endpoint_id}").get_json()
    assert "secret" not in read and read["url"] == URL
    assert all("secret" not in item for item in admin.get("/api/v1/webhooks").get_json())

    rotated = admin.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret").get_json()
    assert len(rotated["secret"]) == 64 and rotated["secret"] != body["secret"]

    changed = admin.patch(f"/api/v1/webhooks/{endpoint_id}",
                          json={"url": "https://hooks.example.org/in", "active": False, "events": ["review_status_changed"]})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["url"], changed.get_json()["active"], changed.get_json()["events"]) == (
        "https://hooks.example.org/in", False, ["review_status_changed"])

    assert admin.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert admin.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert admin.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 404


def test_bad_urls_and_events_are_400s_naming_the_field(login_as):
    admin = login_as("admin")
    for url in ("ftp://files.example.com/in", "javascript:alert(1)", "not a url", "http://", "file:///etc/passwd",
                "https://" + "a" * 2050 + ".example.com/"):
        response = _create(admin, url=url)
        assert response.status_code == 400, url
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and "url" in error["fields"], (url, error)
    bad_event = _create(admin, events=["inspection_finalized", "po_shipped"])
    assert bad_event.status_code == 400 and "events" in bad_event.get_json()["error"]["fields"]
    no_events = _create(admin, events=[])
    assert no_events.status_code == 400 and "events" in no_events.get_json()["error"]["fields"]
    secret_sent = _create(admin, secret="mine")
    assert secret_sent.status_code == 400 and "secret" in secret_sent.get_json()["error"]["fields"]
    endpoint_id = _create(admin).get_json()["id"]
    patched = admin.patch(f"/api/v1/webhooks/{endpoint_id}", json={"url": "gopher://x.example.com"})
    assert patched.status_code == 400 and "url" in patched.get_json()["error"]["fields"]
    assert admin.get("/api/v1/webhooks").status_code == 200
    assert [e["url"] for e in admin.get("/api/v1/webhooks").get_json() if e["id"] == endpoint_id] == [URL]


def test_only_admins_manage_endpoints_and_read_deliveries(login_as):
    admin_made = _create(login_as("admin")).get_json()["id"]
    for persona in ("inspector_a", "factory_a", "designer", "manager"):
        client = login_as(persona)
        assert _create(client).status_code == 403
        assert client.get("/api/v1/webhooks").status_code == 403
        assert client.get("/api/v1/webhooks/deliveries").status_code == 403
        assert client.patch(f"/api/v1/webhooks/{admin_made}", json={"active": False}).status_code == 403
        assert client.post(f"/api/v1/webhooks/{admin_made}/rotate-secret").status_code == 403
        assert client.delete(f"/api/v1/webhooks/{admin_made}").status_code == 403


def test_each_user_chooses_their_own_emails_and_admins_anyone_s(login_as):
    inspector = login_as("inspector_a")
    assert inspector.get("/api/v1/notification-preferences").get_json() == {
        "user_id": str(world.user_id("inspector_a")), "email": "inspector-a@example.com", "events": []}
    chosen = inspector.put("/api/v1/notification-preferences",
                           json={"events": ["inspection_failed", "inspection_finalized", "inspection_failed"]})
    assert chosen.status_code == 200 and chosen.get_json()["events"] == ["inspection_finalized", "inspection_failed"]
    fewer = inspector.put("/api/v1/notification-preferences", json={"events": ["inspection_failed"]})
    assert fewer.get_json()["events"] == ["inspection_failed"]
    unknown = inspector.put("/api/v1/notification-preferences", json={"events": ["everything"]})
    assert unknown.status_code == 400 and "events" in unknown.get_json()["error"]["fields"]

    someone_else = f"/api/v1/notification-preferences/{world.user_id('manager')}"
    assert inspector.get(someone_else).status_code == 403
    assert inspector.put(someone_else, json={"events": []}).status_code == 403

    admin = login_as("admin")
    mine = f"/api/v1/notification-preferences/{world.user_id('inspector_a')}"
    assert admin.get(mine).get_json()["events"] == ["inspection_failed"]
    set_by_admin = admin.put(mine, json={"events": ["corrective_action_overdue"]})
    assert set_by_admin.status_code == 200
    assert inspector.get("/api/v1/notification-preferences").get_json()["events"] == ["corrective_action_overdue"]
    nobody = admin.get("/api/v1/notification-preferences/00000000-0000-4000-8000-000000000000")
    assert nobody.status_code == 404
