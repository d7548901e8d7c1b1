"""Sessions, CSRF, API tokens, the wrong-password throttle and the address it counts."""

from __future__ import annotations

import uuid

import pytest
import world
from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from server.models import UserSession

COOKIE = "seamline_session"


def _session_count(app, persona):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == world.user_id(persona)))


def _cookie(client):
    cookie = client.raw.get_cookie(COOKIE)
    return cookie.value if cookie else None


def test_login_sets_a_hardened_cookie_and_me_reports_the_user(client):
    response = client.login("Inspector-A@example.com ", world.PASSWORD)
    assert response.status_code == 200
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    me = client.get("/api/v1/auth/me").get_json()
    assert me["user"]["email"] == "inspector-a@example.com" and me["role"] == "inspector"
    assert [f["code"] for f in me["factories"]] == ["FA"]
    assert me["csrf_token"] == client.csrf
    assert "password" not in str(me) and "password_hash" not in str(me)


def test_cookie_is_secure_outside_development(app, monkeypatch, tmp_path):
    from server import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    prod = create_app({"ENV": "production", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    response = prod.test_client().post("/api/v1/auth/login", json={"email": "admin@example.com",
                                                                     "password": world.PASSWORD})
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_id_rotates_at_login_and_dies_at_logout(app, client):
    client.login("manager@example.com", world.PASSWORD)
    first = _cookie(client)
    client.login("manager@example.com", world.PASSWORD)
    second = _cookie(client)
    assert first != second
    assert _session_count(app, "manager") == 1  # the old session was deleted, not just replaced
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert _session_count(app, "manager") == 0
    replay = app.test_client()
    replay.set_cookie(COOKIE, second)
    assert replay.get("/api/v1/auth/me").status_code == 401


def test_csrf_token_required_on_cookie_sessions(client):
    client.login("admin@example.com", world.PASSWORD)
    body = {"style_number": "CS-1", "name": "Shirt", "category": "tops_woven"}
    missing = client.raw.post("/api/v1/styles", json=body)
    assert missing.status_code == 403 and missing.get_json()["error"]["code"] == "csrf_failed"
    wrong = client.raw.post("/api/v1/styles", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "csrf_failed"
    assert client.post("/api/v1/styles", json=body).status_code == 201
    assert client.raw.get("/api/v1/styles").status_code == 200  # reads need no token


def test_password_change_ends_every_session(app, login_as):
    phone = login_as("inspector_a")
    laptop = login_as("inspector_a")
    assert _session_count(app, "inspector_a") == 2
    response = laptop.post("/api/v1/auth/password", json={"current_password": world.PASSWORD,
                                                          "new_password": "a brand new passphrase"})
    assert response.status_code == 204
    assert phone.get("/api/v1/auth/me").status_code == 401
    # The changing session got a fresh id; the old one is gone.
    assert _session_count(app, "inspector_a") == 1
    assert laptop.get("/api/v1/auth/me").status_code == 200
    assert laptop.login("inspector-a@example.com", world.PASSWORD).status_code == 401
    assert laptop.login("inspector-a@example.com", "a brand new passphrase").status_code == 200


def test_password_change_checks_current_and_strength(login_as):
    me = login_as("designer")
    wrong = me.post("/api/v1/auth/password", json={"current_password": "nope", "new_password": "long enough pw"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "wrong_password"
    assert "current_password" in wrong.get_json()["error"]["fields"]
    weak = me.post("/api/v1/auth/password", json={"current_password": world.PASSWORD, "new_password": "short"})
    assert weak.status_code == 400 and "new_password" in weak.get_json()["error"]["fields"]


def test_deactivation_ends_sessions_and_tokens_stop_working(app, login_as):
    victim = login_as("factory_a")
    token = victim.post("/api/v1/auth/tokens", json={"name": "ERP", "password": world.PASSWORD}).get_json()["token"]
    admin = login_as("admin")
    response = admin.patch(f"/api/v1/users/{world.user_id('factory_a')}", json={"active": False})
    assert response.status_code == 200
    assert _session_count(app, "factory_a") == 0
    assert victim.get("/api/v1/auth/me").status_code == 401
    bearer = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert victim.login("factory-a@example.com", world.PASSWORD).status_code == 401


def test_bearer_tokens_need_no_csrf_and_can_be_revoked(app, login_as):
    owner = login_as("manager")
    created = owner.post("/api/v1/auth/tokens", json={"name": "BI export", "password": world.PASSWORD})
    assert created.status_code == 201
    secret, token_id = created.get_json()["token"], created.get_json()["id"]
    listed = owner.get("/api/v1/auth/tokens").get_json()
    assert [t["name"] for t in listed] == ["BI export"] and "token" not in listed[0]
    machine = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert machine.get("/api/v1/auth/me", headers=headers).get_json()["role"] == "manager"
    # Scoped like the user: a manager may create purchase orders, without any CSRF header.
    po = {"po_number": "PO-TOKEN", "factory_id": str(world.FACTORY_A), "order_date": "2026-03-01"}
    assert machine.post("/api/v1/purchase-orders", json=po, headers=headers).status_code == 201
    assert machine.post("/api/v1/styles", json={}, headers=headers).status_code == 403
    assert owner.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 204
    refused = machine.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"


def test_failed_logins_are_throttled_per_account_across_workers(app):
    from server import create_app

    # A second app object on the same database stands in for another gunicorn worker.
    other_worker = create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    workers = [app.test_client(), other_worker.test_client()]
    for attempt in range(5):
        r = workers[attempt % 2].post("/api/v1/auth/login", json={"email": "admin@example.com", "password": "bad"})
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_credentials"
    blocked = workers[1].post("/api/v1/auth/login", json={"email": "admin@example.com", "password": world.PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # Other accounts from another address are unaffected.
    ok = workers[0].post("/api/v1/auth/login", json={"email": "manager@example.com", "password": world.PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert ok.status_code == 200
    with other_worker.app_context():
        db.engine.dispose()


def test_failed_logins_are_throttled_per_address(app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    client = app.test_client()
    for n in range(3):
        r = client.post("/api/v1/auth/login", json={"email": f"nobody{n}@example.com", "password": "x"},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"email": "admin@example.com", "password": world.PASSWORD},
                    environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert r.status_code == 429


def test_passwords_never_reach_the_log(client, caplog):
    caplog.set_level("DEBUG")
    client.login("admin@example.com", "my secret guess 123")
    client.login("admin@example.com", world.PASSWORD)
    assert "my secret guess 123" not in caplog.text and world.PASSWORD not in caplog.text


# --- API tokens end with the password, ask for it, and may expire ------------------------


def _new_token(api_client, name="ERP", **extra):
    response = api_client.post("/api/v1/auth/tokens", json={"name": name, "password": world.PASSWORD, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _bearer(app, secret):
    return app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})


def test_password_change_revokes_every_api_token(app, login_as):
    owner = login_as("manager")
    erp, bi = _new_token(owner, "ERP"), _new_token(owner, "BI")
    assert _bearer(app, erp["token"]).status_code == 200
    # Changed through one of the tokens itself: that one goes too.
    response = app.test_client().post("/api/v1/auth/password", headers={"Authorization": f"Bearer {bi['token']}"},
                                      json={"current_password": world.PASSWORD, "new_password": "a brand new passphrase"})
    assert response.status_code == 204
    for token in (erp, bi):
        refused = _bearer(app, token["token"])
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    owner.login("manager@example.com", "a brand new passphrase")
    assert all(t["revoked_at"] for t in owner.get("/api/v1/auth/tokens").get_json())


def test_deactivation_and_password_reset_revoke_tokens_for_good(app, login_as):
    victim = login_as("factory_a")
    token = _new_token(victim)["token"]
    admin = login_as("admin")
    url = f"/api/v1/users/{world.user_id('factory_a')}"
    assert admin.patch(url, json={"active": False}).status_code == 200
    # Reactivated, the account works again, but the token issued before stays revoked.
    assert admin.patch(url, json={"active": True}).status_code == 200
    assert victim.login("factory-a@example.com", world.PASSWORD).status_code == 200
    assert _bearer(app, token).status_code == 401
    # An admin's password reset revokes the tokens made since, too.
    second = _new_token(victim)["token"]
    assert admin.patch(url, json={"password": "reset by the admin 1"}).status_code == 200
    assert _bearer(app, second).status_code == 401


def test_creating_a_token_asks_for_the_password_and_wrong_ones_are_throttled(app, login_as):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    owner = login_as("designer")
    missing = owner.post("/api/v1/auth/tokens", json={"name": "ERP"})
    assert missing.status_code == 400 and "password" in missing.get_json()["error"]["fields"]
    for _ in range(3):
        wrong = owner.post("/api/v1/auth/tokens", json={"name": "ERP", "password": "a guess"})
        assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "wrong_password"
        assert "password" in wrong.get_json()["error"]["fields"]
    blocked = owner.post("/api/v1/auth/tokens", json={"name": "ERP", "password": world.PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert owner.get("/api/v1/auth/tokens").get_json() == []
    # One budget per account: the login form is locked too, and the session is not ended.
    assert app.test_client().post("/api/v1/auth/login", json={"email": "designer@example.com",
                                                               "password": world.PASSWORD}).status_code == 429
    assert owner.get("/api/v1/auth/me").status_code == 200


def test_password_change_is_throttled_like_login(app, login_as):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    me = login_as("inspector_b")
    for _ in range(3):
        r = me.post("/api/v1/auth/password", json={"current_password": "a guess", "new_password": "long enough pw"})
        assert r.status_code == 403
    blocked = me.post("/api/v1/auth/password", json={"current_password": world.PASSWORD,
                                                     "new_password": "long enough pw"})
    assert blocked.status_code == 429 and blocked.get_json()["error"]["code"] == "too_many_attempts"
    assert me.login("inspector-b@example.com", world.PASSWORD).status_code == 429  # the password did not change


def test_tokens_may_carry_an_expiry(app, login_as):
    from datetime import timedelta

    from server.models import ApiToken
    from server.models.base import utcnow

    owner = login_as("manager")
    past = owner.post("/api/v1/auth/tokens", json={"name": "old", "password": world.PASSWORD,
                                                   "expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 400 and "expires_at" in past.get_json()["error"]["fields"]
    expiring = _new_token(owner, "expiring", expires_at=(utcnow() + timedelta(days=30)).isoformat())
    forever = _new_token(owner, "forever")
    assert expiring["expires_at"] and forever["expires_at"] is None
    listed = {t["name"]: t for t in owner.get("/api/v1/auth/tokens").get_json()}
    assert listed["expiring"]["expires_at"] == expiring["expires_at"]
    assert _bearer(app, expiring["token"]).status_code == 200
    with app.app_context():  # thirty days pass
        db.session.get(ApiToken, uuid.UUID(expiring["id"])).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    refused = _bearer(app, expiring["token"])
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    assert _bearer(app, forever["token"]).status_code == 200


# --- the address the throttle counts comes from trusted proxies only ----------------------


def _login_from(app, socket_address, forwarded_for, email="admin@example.com", password=world.PASSWORD):
    return app.test_client().post("/api/v1/auth/login", json={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": socket_address},
                                  headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {})


def _session_address(app):
    with app.app_context():
        return db.session.scalars(select(UserSession.remote_addr).order_by(UserSession.created_at.desc())).first()


def test_without_trusted_proxies_forwarded_for_is_ignored(app):
    assert app.config["TRUSTED_PROXY_HOPS"] == 0
    assert _login_from(app, "192.0.2.50", "203.0.113.9").status_code == 200
    assert _session_address(app) == "192.0.2.50"


def test_behind_one_trusted_proxy_the_address_is_the_one_it_appended(app, tmp_path):
    from apps import dispose, make_app

    proxied = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, TRUSTED_PROXY_HOPS=1)
    proxied.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        # The client wrote "10.0.0.1" itself; the proxy appended the address it saw.
        assert _login_from(proxied, "192.0.2.1", "10.0.0.1, 198.51.100.7").status_code == 200
        assert _session_address(proxied) == "198.51.100.7"
        # Changing its own header entry does not get an attacker a fresh address counter...
        for n in range(3):
            r = _login_from(proxied, "192.0.2.1", f"10.0.0.{n}, 198.51.100.66", f"nobody{n}@example.com", "x")
            assert r.status_code == 401
        assert _login_from(proxied, "192.0.2.1", "10.9.9.9, 198.51.100.66").status_code == 429
        # ...while another client behind the same proxy is not locked out with it.
        assert _login_from(proxied, "192.0.2.1", "198.51.100.7").status_code == 200
    finally:
        dispose(proxied)


def test_trusted_proxy_hops_must_be_a_whole_number(monkeypatch):
    from server.config import ConfigError, load_config

    assert load_config({"TESTING": True})["TRUSTED_PROXY_HOPS"] == 0
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "2")
    assert load_config({"TESTING": True})["TRUSTED_PROXY_HOPS"] == 2
    for bad in ("-1", "two", "1.5"):
        monkeypatch.setenv("TRUSTED_PROXY_HOPS", bad)
        with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
            load_config({"TESTING": True})


def test_passwords_are_hashed_with_full_cost_scrypt_outside_the_test_suite():
    """Only the test suite trades the hash's cost for speed; a stored hash keeps the cost it was made with."""
    from werkzeug.security import check_password_hash

    from server.config import load_config
    from server.services.auth import hash_password

    production = load_config({"ENV": "production", "SECRET_KEY": "a" * 16 + "-not-a-weak-secret-at-all"})
    assert production["PASSWORD_HASH_METHOD"] == "scrypt"
    assert load_config({"ENV": "development"})["PASSWORD_HASH_METHOD"] == "scrypt"
    app = Flask("hash-check")
    app.config["PASSWORD_HASH_METHOD"] = production["PASSWORD_HASH_METHOD"]
    with app.app_context():
        stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt:32768:8:1$")
    assert check_password_hash(stored, "correct horse battery")
