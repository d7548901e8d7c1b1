"""One error shape for every failure; configuration rules."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import world

from server.config import ConfigError, load_config


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


def test_not_found_and_method_not_allowed(client):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _error(client.post("/api/v1/nothing-here", json={}), 404, "not_found")
    _error(client.open("PUT", "/api/v1/health"), 405, "method_not_allowed")


def test_payload_too_large(app, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    admin = login_as("admin")
    _error(admin.post("/api/v1/styles", data="x" * 5000, content_type="application/json"), 413,
           "payload_too_large")


def test_validation_errors_name_the_fields_and_write_nothing(app, login_as):
    admin = login_as("admin")
    error = _error(admin.post("/api/v1/styles", json={"name": "", "category": "hats", "colour": "red"}), 400,
                   "validation_error")
    assert set(error["fields"]) == {"style_number", "name", "category", "colour"}
    _error(admin.post("/api/v1/styles", data="{not json", content_type="application/json"), 400, "invalid_json")
    _error(admin.get("/api/v1/styles?page=0"), 400, "validation_error")
    assert admin.get("/api/v1/styles").get_json()[0]["style_number"] == "ST-1"
    assert len(admin.get("/api/v1/styles").get_json()) == 1


def test_references_are_checked_with_field_errors(login_as):
    admin = login_as("admin")
    line = {"purchase_order_id": str(world.PO_A), "style_id": str(world.TECH_PACK), "colourway": "Red",
            "size_breakdown": {"S": 1}, "quantity": 2, "unit_price": "1.00", "ex_factory_date": "2026-05-01"}
    error = _error(admin.post("/api/v1/purchase-order-lines", json=line), 400, "validation_error")
    assert "quantity" in error["fields"]
    line["quantity"] = 1
    error = _error(admin.post("/api/v1/purchase-order-lines", json=line), 400, "validation_error")
    assert error["fields"] == {"style_id": ["Unknown style."]}


def test_duplicate_unique_value_is_a_conflict_not_a_500(login_as):
    admin = login_as("admin")
    body = {"code": "FA", "name": "Copy", "country": "VN"}
    _error(admin.post("/api/v1/factories", json=body), 409, "conflict")


def test_unexpected_exception_is_a_clean_500(app, login_as):
    from server.authz import public

    def explode():
        raise RuntimeError("secret internals /etc/passwd")

    app.add_url_rule("/api/v1/explode", "explode", public(explode))
    response = app.test_client().get("/api/v1/explode")
    error = _error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert error["message"] == "Internal server error."


def test_endpoint_without_rule_is_refused(app):
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "leak")
    _error(app.test_client().get("/api/v1/forgotten"), 403, "forbidden")


def test_openapi_documents_every_endpoint(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {path for path in spec["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.endpoint.startswith("api-docs"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert path in documented, rule.rule


def test_production_refuses_missing_or_weak_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SEAMLINE_ENV", "production")
    with pytest.raises(ConfigError):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(ConfigError):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "a" * 48)
    assert load_config()["SECRET_KEY"] == "a" * 48


def test_development_needs_nothing(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "PHOTO_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEAMLINE_ENV", "development")
    config = load_config(instance_path=str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/seamline.db"
    assert len(config["SECRET_KEY"]) >= 32 and config["SESSION_COOKIE_SECURE"] is False
    assert load_config({"DATABASE_URL": "postgres://u@h/db"})["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_connections_use_wal_and_foreign_keys(templates, tmp_path):
    from apps import dispose, make_app

    from server.extensions import db

    app = make_app(templates.copy("sqlite", "empty"), tmp_path)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    dispose(app)


def test_importing_does_no_io_and_aql_needs_no_flask(tmp_path):
    code = (
        "import sys, os; os.chdir(sys.argv[1]);"
        "import server.aql; assert 'flask' not in sys.modules, 'server.aql imported flask';"
        "import server.app, server.models, server.api;"
        "assert os.listdir('.') == [], os.listdir('.')"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
