"""gzipped request bodies (PROTOCOL.md 2.9): inflated before the view, bounded, refused cleanly when bad."""

from __future__ import annotations

import gzip
import json
import uuid

import world
from sqlalchemy import func, select

from server.extensions import db
from server.models import InspectionDefect, SyncClient
from sync.core import MAX_BATCH

CLIENT = "phone-gzip-0123456789"
PUSH = "/api/v1/sync/push"
GZIP_BODY = {"Content-Encoding": "gzip"}


def _defect(mutation_id: int) -> dict:
    return {"id": mutation_id, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
            "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                       "severity": "minor", "note": f"found at mutation {mutation_id}"}, "base_version": None}


def _push_body(mutations: list[dict]) -> bytes:
    return json.dumps({"client_id": CLIENT, "protocol_version": 1, "schema_version": 1,
                       "mutations": mutations}).encode()


def _post_gzipped(client, raw: bytes, path: str = PUSH):
    return client.post(path, data=raw, content_type="application/json", headers=GZIP_BODY)


def _defects_and_client(app) -> tuple[int, int | None]:
    with app.app_context():
        defects = db.session.scalar(select(func.count()).select_from(InspectionDefect))
        last = db.session.scalar(select(SyncClient.last_mutation_id).where(SyncClient.client_id == CLIENT))
        db.session.remove()
    return defects, last


def test_a_gzipped_push_applies_as_the_same_push_sent_plain(app, login_as):
    inspector = login_as("inspector_a")
    before, _ = _defects_and_client(app)
    response = _post_gzipped(inspector, gzip.compress(_push_body([_defect(1), _defect(2)])))
    assert response.status_code == 200, response.get_json()
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"]
    assert _defects_and_client(app) == (before + 2, 2)


def test_several_gzip_members_are_one_body(app, login_as):
    inspector = login_as("inspector_a")
    raw = _push_body([_defect(1)])
    response = _post_gzipped(inspector, gzip.compress(raw[:10]) + gzip.compress(raw[10:]))
    assert response.status_code == 200, response.get_json()
    assert _defects_and_client(app)[1] == 1


def test_a_compression_bomb_gets_413_and_writes_nothing(app, login_as):
    inspector = login_as("inspector_a")
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # A valid push padded with 64 MiB of spaces: about 64 KiB on the wire, far past the limit once inflated.
    bomb = _push_body([_defect(1)])[:-1] + b" " * (64 * 1024 * 1024) + b"}"
    packed = gzip.compress(bomb, compresslevel=9)
    assert len(packed) < app.config["MAX_CONTENT_LENGTH"]
    before = _defects_and_client(app)
    response = _post_gzipped(inspector, packed)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert _defects_and_client(app) == before


def test_a_body_just_within_the_limit_once_inflated_is_read(app, login_as):
    inspector = login_as("inspector_a")
    raw = _push_body([_defect(1)])
    padded = raw[:-1] + b" " * (4096 - len(raw)) + b"}"
    app.config["MAX_CONTENT_LENGTH"] = len(padded)
    assert _post_gzipped(inspector, gzip.compress(padded)).status_code == 200
    app.config["MAX_CONTENT_LENGTH"] = len(padded) - 1
    assert _post_gzipped(inspector, gzip.compress(padded)).status_code == 413


def test_corrupt_or_truncated_gzip_is_400(app, login_as):
    inspector = login_as("inspector_a")
    packed = gzip.compress(_push_body([_defect(1)]))
    for body in (b"not gzip at all", packed[: len(packed) // 2], packed[:10] + b"\x00" * 8 + packed[18:]):
        response = _post_gzipped(inspector, body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == "invalid_encoding"
    assert _defects_and_client(app)[1] is None


def test_other_encodings_are_415(login_as):
    inspector = login_as("inspector_a")
    response = inspector.post(PUSH, data=_push_body([_defect(1)]), content_type="application/json",
                              headers={"Content-Encoding": "br"})
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_encoding" and "Content-Encoding" in error["fields"]


def test_a_stranger_gets_401_before_anything_is_inflated(client):
    response = client.post(PUSH, data=b"not gzip", content_type="application/json", headers=GZIP_BODY)
    assert response.status_code == 401


def test_a_batch_may_hold_more_than_500_mutations_up_to_the_limit(app, login_as):
    inspector = login_as("inspector_a")
    before, _ = _defects_and_client(app)
    response = _post_gzipped(inspector, gzip.compress(_push_body([_defect(n) for n in range(1, 1202)])))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["last_mutation_id"] == 1201
    assert _defects_and_client(app) == (before + 1201, 1201)
    too_many = [_defect(n) for n in range(1202, 1202 + MAX_BATCH + 1)]
    refused = _post_gzipped(inspector, gzip.compress(_push_body(too_many)))
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "validation_error"
    assert "mutations" in refused.get_json()["error"]["fields"]
    assert _defects_and_client(app) == (before + 1201, 1201)


def test_a_gzipped_import_gets_the_import_limit(app, login_as):
    inspector = login_as("inspector_a")
    document = {"format": "seamline-unsynced", "format_version": 1, "exported_at": "2026-11-23T10:00:00.000Z",
                "client_id": CLIENT, "user": {"id": str(world.user_id("inspector_a")), "email": "x@example.com"},
                "protocol_version": 1, "schema_version": 1, "mutations": [_defect(1)], "photos": []}
    raw = json.dumps(document).encode()
    app.config["MAX_CONTENT_LENGTH"] = len(raw) // 2  # the import route has its own, larger limit
    response = _post_gzipped(inspector, gzip.compress(raw), "/api/v1/sync/import")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["mutations"]["applied"] == 1
