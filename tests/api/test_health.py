"""/health reports the database and the photo storage: 200 when both answer, 503 when either does not."""

from __future__ import annotations

import socket

from apps import dispose, make_app


def _health(app):
    answer = app.test_client().get("/api/v1/health")
    return answer.status_code, answer.get_json()


def test_both_stores_answer(app, backend):
    status, health = _health(app)
    assert status == 200 and health["status"] == "ok"
    assert health["database"] == backend and health["database_ok"] is True and health["migrations_at_head"] is True
    assert health["photo_storage"] == "local" and health["photo_storage_ok"] is True


def test_a_photo_folder_that_cannot_be_made_is_reported(templates, backend, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(templates.copy(backend, "empty"), tmp_path, PHOTO_DIR=str(blocker / "photos"))
    try:
        status, health = _health(app)
        assert status == 503 and health["status"] == "unavailable"
        assert health["photo_storage_ok"] is False and health["database_ok"] is True
    finally:
        dispose(app)


def test_a_database_that_does_not_answer_is_reported(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(f"postgresql://seamline@127.0.0.1:{port}/seamline", tmp_path)
    try:
        status, health = _health(app)
        assert status == 503 and health["status"] == "unavailable"
        assert health["database_ok"] is False and health["migrations_at_head"] is False
        assert health["photo_storage_ok"] is True
    finally:
        dispose(app)


def test_a_missing_bucket_is_reported(templates, tmp_path, s3_server):
    settings = s3_server.settings("no-such-bucket", prefix="health/")
    app = make_app(templates.copy("sqlite", "empty"), tmp_path, **settings)
    try:
        status, health = _health(app)
        assert status == 503 and (health["photo_storage"], health["photo_storage_ok"]) == ("s3", False)
        assert health["database_ok"] is True
    finally:
        dispose(app)


def test_a_reachable_bucket_is_reported(templates, tmp_path, s3_server):
    app = make_app(templates.copy("sqlite", "empty"), tmp_path, **s3_server.settings(s3_server.bucket, "health/"))
    try:
        assert _health(app) == (200, {**_health(app)[1], "status": "ok", "photo_storage": "s3",
                                      "photo_storage_ok": True})
    finally:
        dispose(app)
