"""Importing an exported unsynced-data file (PROTOCOL.md section 8), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import uuid

import pytest
import world
from PIL import Image
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, InspectionDefect, Photo, PhotoUpload, SyncClient

CLIENT = "phone-import-0123456789"
URL = "/api/v1/sync/import"


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((400, 300), 30 + seed).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _defect(mutation_id: int, record_id: uuid.UUID) -> dict:
    return {"id": mutation_id, "entity": "inspection_defect", "op": "upsert", "record_id": str(record_id),
            "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                       "severity": "minor", "note": f"found at mutation {mutation_id}"}, "base_version": None}


def _photo_record(mutation_id: int, defect_id: uuid.UUID, sha: str) -> dict:
    return {"id": mutation_id, "entity": "photo", "op": "upsert", "record_id": str(uuid.uuid4()),
            "fields": {"sha256": sha, "kind": "defect", "defect_id": str(defect_id)}, "base_version": None}


def _photo(data: bytes, sha: str | None = None) -> dict:
    return {"sha256": sha or _sha(data), "content_type": "image/jpeg", "data": base64.b64encode(data).decode()}


def _file(mutations: list[dict], photos: list[dict] = (), persona: str = "inspector_a", client_id: str = CLIENT):
    return {"format": "seamline-unsynced", "format_version": 1, "exported_at": "2026-11-23T10:00:00.000Z",
            "client_id": client_id, "user": {"id": str(world.user_id(persona)), "email": world.PERSONAS[persona][0]},
            "protocol_version": 1, "schema_version": 1, "mutations": mutations, "photos": list(photos)}


def _outbox(count_defects: int = 2, seed: int = 1) -> tuple[list[dict], list[dict], list[uuid.UUID]]:
    """A phone's outbox: some defects, one with a photo, and the photo's bytes."""
    defects = [uuid.uuid4() for _ in range(count_defects)]
    mutations = [_defect(n + 1, record) for n, record in enumerate(defects)]
    data = _jpeg(seed)
    mutations.append(_photo_record(len(mutations) + 1, defects[0], _sha(data)))
    return mutations, [_photo(data)], defects


def _upload(client, document: dict):
    """What a browser form with <input type=file name=file> sends."""
    raw = json.dumps(document).encode()
    return client.post(URL, data={"file": (io.BytesIO(raw), "seamline-unsynced.json")},
                       content_type="multipart/form-data")


def _written(app) -> dict:
    """What the database and photo storage hold: equal before and after means nothing was written."""
    with app.app_context():
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (AuditEntry, InspectionDefect, Photo, PhotoUpload, SyncClient)}
    photo_dir = app.config["PHOTO_DIR"]
    counts["files"] = sorted(os.listdir(photo_dir)) if os.path.isdir(photo_dir) else []
    return counts


def test_file_of_a_phone_that_never_synced_creates_its_records_and_photos(app, login_as):
    inspector = login_as("inspector_a")
    mutations, photos, defects = _outbox()
    response = _upload(inspector, _file(mutations, photos))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["last_mutation_id"] == 3 and report["user_id"] == str(world.user_id("inspector_a"))
    assert report["mutations"] == {"applied": 3, "with_conflicts": 0, "duplicate": 0, "rejected": 0,
                                   "rejections": []}
    assert report["photos"] == {"stored": 1, "present": 0, "refused": 0, "refusals": []}
    for record in defects:
        assert inspector.get(f"/api/v1/inspection-defects/{record}").status_code == 200
    sha = photos[0]["sha256"]
    [record] = inspector.get(f"/api/v1/photo-records?sha256={sha}").get_json()
    assert (record["storage_state"], record["sha256"], record["width"]) == ("stored", sha, 400)
    assert inspector.get(f"/api/v1/photos/{sha}?size=thumb").status_code == 200
    with app.app_context():
        assert db.session.get(PhotoUpload, sha).length == len(base64.b64decode(photos[0]["data"]))
        sources = set(db.session.execute(select(AuditEntry.source, AuditEntry.client_id, AuditEntry.actor_id)
                                         .where(AuditEntry.record_id.in_(defects))))
        assert sources == {("import", CLIENT, world.user_id("inspector_a"))}
    # The phone syncing afterwards finds its mutations acknowledged.
    pushed = inspector.post("/api/v1/sync/push", json={"client_id": CLIENT, "protocol_version": 1,
                                                       "schema_version": 1, "mutations": mutations})
    assert [r["status"] for r in pushed.get_json()["results"]] == ["duplicate"] * 3


def test_importing_the_same_file_twice_changes_nothing(app, login_as):
    inspector = login_as("inspector_a")
    mutations, photos, _ = _outbox(seed=2)
    document = _file(mutations, photos)
    assert inspector.post(URL, json=document).status_code == 200
    before = _written(app)
    again = inspector.post(URL, json=document)
    assert again.status_code == 200
    assert again.get_json()["mutations"]["duplicate"] == 3 and again.get_json()["mutations"]["applied"] == 0
    assert again.get_json()["photos"] == {"stored": 0, "present": 1, "refused": 0, "refusals": []}
    assert _written(app) == before


def test_file_overlapping_what_the_phone_pushed_imports_only_the_rest(app, login_as):
    inspector = login_as("inspector_a")
    mutations, photos, defects = _outbox(count_defects=3, seed=3)
    pushed = inspector.post("/api/v1/sync/push", json={"client_id": CLIENT, "protocol_version": 1,
                                                       "schema_version": 1, "mutations": mutations[:2]})
    assert pushed.status_code == 200
    report = _upload(inspector, _file(mutations, photos)).get_json()
    assert (report["mutations"]["duplicate"], report["mutations"]["applied"], report["last_mutation_id"]) == (2, 2, 4)
    assert report["photos"]["stored"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InspectionDefect)
                                 .where(InspectionDefect.id.in_(defects))) == 3


def test_a_gap_is_refused_with_nothing_written(app, login_as):
    inspector = login_as("inspector_a")
    mutations, photos, _ = _outbox(count_defects=3, seed=4)
    assert inspector.post("/api/v1/sync/push", json={"client_id": CLIENT, "protocol_version": 1,
                                                     "schema_version": 1, "mutations": mutations[:1]}).status_code == 200
    before = _written(app)
    response = inspector.post(URL, json=_file(mutations[2:], photos))  # mutation 2 is missing
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "mutation_gap"
    assert response.get_json()["error"]["fields"]["expected"] == 2
    assert _written(app) == before


def _malformed(document: dict, change) -> dict:
    document = json.loads(json.dumps(document))
    change(document)
    return document


_PHOTO = _jpeg(9)
_CASES = {
    "not json": (b"{\"format\": \"seamline-unsynced\", ", 400, "invalid_json", None),
    "not an object": (b"[1, 2]", 400, "not_an_export", "_schema"),
    "wrong format": (lambda d: d.update(format="something-else"), 400, "not_an_export", "format"),
    "newer format version": (lambda d: d.update(format_version=2), 409, "unsupported_format_version", None),
    "bad base64": (lambda d: d["photos"][0].update(data="not base64!"), 400, "validation_error", "photos"),
    "sha256 not of the bytes": (lambda d: d["photos"][0].update(sha256=_sha(b"other")), 400, "validation_error",
                                "photos"),
    "no user": (lambda d: d.pop("user"), 400, "validation_error", "user"),
    "no mutation record id": (lambda d: d["mutations"][0].pop("record_id"), 400, "validation_error", "mutations"),
    "bad client id": (lambda d: d.update(client_id="short"), 400, "validation_error", "client_id"),
    "unknown field": (lambda d: d.update(extra=1), 400, "validation_error", "extra"),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_malformed_files_get_4xx_naming_the_fields_and_write_nothing(app, login_as, case):
    inspector = login_as("inspector_a")
    mutations = [_defect(1, uuid.uuid4()), _photo_record(2, uuid.uuid4(), _sha(_PHOTO))]
    change, status, code, field = _CASES[case]
    raw = change if isinstance(change, bytes) else json.dumps(_malformed(_file(mutations, [_photo(_PHOTO)]), change))
    before = _written(app)
    response = inspector.post(URL, data=raw, content_type="application/json")
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    if field:
        assert field in error["fields"], error
    assert _written(app) == before


def test_errors_name_the_photo_field_at_fault(login_as):
    inspector = login_as("inspector_a")
    document = _file([], [_photo(_PHOTO), _photo(_PHOTO, sha=_sha(b"x")), {**_photo(_PHOTO), "data": "@@"}])
    fields = inspector.post(URL, json=document).get_json()["error"]["fields"]
    assert fields == {"photos": {"1": {"sha256": ["Does not match the sha256 of data."]},
                                 "2": {"data": ["Not valid base64."]}}}
    missing = _upload(inspector, {}).get_json()["error"]
    assert missing["code"] == "not_an_export" and set(missing["fields"]) == {"format", "format_version"}
    no_file = inspector.post(URL, data={"other": "x"}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and "file" in no_file.get_json()["error"]["fields"]
    plain = inspector.post(URL, data=b"{}", content_type="text/plain")
    assert plain.status_code == 415


def test_another_users_file_is_refused_for_a_non_admin(app, login_as):
    mutations, photos, _ = _outbox(seed=5)
    document = _file(mutations, photos)
    before = _written(app)
    for persona in ("inspector_b", "manager"):
        response = login_as(persona).post(URL, json=document)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_your_file"
    assert _written(app) == before


def test_an_admin_imports_with_the_file_users_permissions_never_more(app, login_as):
    admin = login_as("admin")
    mutations, photos, defects = _outbox(seed=6)
    report = admin.post(URL, json=_file(mutations, photos)).get_json()
    assert report["mutations"]["applied"] == 3 and report["photos"]["stored"] == 1
    with app.app_context():
        assert db.session.get(InspectionDefect, defects[0]).created_by_id == world.user_id("inspector_a")
        assert db.session.get(SyncClient, CLIENT).user_id == world.user_id("inspector_a")
    # Inspector B may not touch factory A: neither may B's file, whoever imports it.
    data = _jpeg(7)
    edit = {"id": 3, "entity": "inspection", "op": "upsert", "record_id": str(world.INSPECTION_A),
            "fields": {"notes": "from B's phone"}, "base_version": None}
    foreign = _file([_defect(1, uuid.uuid4()), _photo_record(2, world.DEFECT_A, _sha(data)), edit], [_photo(data)],
                    persona="inspector_b", client_id="phone-of-b-0123456789")
    report = admin.post(URL, json=foreign).get_json()
    assert [r["code"] for r in report["mutations"]["rejections"]] == ["validation_error", "validation_error",
                                                                      "not_found"]
    assert report["photos"]["refusals"][0]["code"] == "no_record"
    # The client id stays bound to its user: A's phone cannot carry B's file.
    bound = admin.post(URL, json=_file([], persona="inspector_b"))
    assert bound.status_code == 403 and bound.get_json()["error"]["code"] == "client_bound"


def test_photos_without_a_record_are_refused_and_the_rest_stored(login_as):
    inspector = login_as("inspector_a")
    mutations, photos, _ = _outbox(seed=8)
    stray = _jpeg(10)
    report = inspector.post(URL, json=_file(mutations, [_photo(stray), *photos])).get_json()
    assert report["photos"]["stored"] == 1 and report["photos"]["refusals"] == [
        {"sha256": _sha(stray), "code": "no_record", "message": "No photo record this user may see names these bytes."}]


def test_a_photo_upload_the_phone_had_started_is_completed(login_as):
    inspector = login_as("inspector_a")
    mutations, photos, _ = _outbox(seed=12)
    data = base64.b64decode(photos[0]["data"])
    started = inspector.patch(f"/api/v1/photos/{photos[0]['sha256']}", data=data[:1000], headers={
        "Upload-Offset": "0", "Upload-Length": str(len(data)), "Content-Type": "application/offset+octet-stream"})
    assert started.status_code == 204
    assert inspector.post(URL, json=_file(mutations, photos)).get_json()["photos"]["stored"] == 1
    assert inspector.get(f"/api/v1/photos/{photos[0]['sha256']}?size=original").status_code == 200


def test_a_deactivated_users_file_waits_for_the_account(app, login_as):
    admin = login_as("admin")
    assert admin.patch(f"/api/v1/users/{world.user_id('inspector_a')}", json={"active": False}).status_code == 200
    before = _written(app)
    response = admin.post(URL, json=_file(*_outbox(seed=13)[:2]))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "user_inactive"
    assert _written(app) == before


def test_ten_photos_of_one_and_a_half_megabytes_fit_and_larger_files_are_refused(app, login_as):
    inspector = login_as("inspector_a")
    photos = [_photo(os.urandom(1_500_000)) for _ in range(10)]
    raw = json.dumps(_file([], photos)).encode()
    # The larger limit is this route's alone, whatever the general one is.
    app.config["MAX_CONTENT_LENGTH"] = len(raw) // 2
    report = _upload(inspector, _file([], photos)).get_json()
    assert report["photos"]["refused"] == 10  # no records name them; what matters is that the file was read
    assert inspector.post("/api/v1/sync/push", data=raw, content_type="application/json").status_code == 413
    app.config["IMPORT_MAX_BYTES"] = len(raw) // 2
    response = inspector.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_cli_import(app, tmp_path):
    mutations, photos, defects = _outbox(seed=11)
    path = tmp_path / "seamline-unsynced.json"
    path.write_text(json.dumps(_file(mutations, photos)))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-unsynced", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 applied" in result.output and "1 stored" in result.output
    with app.app_context():
        assert db.session.get(InspectionDefect, defects[1]) is not None
    again = runner.invoke(args=["import-unsynced", str(path)])
    assert again.exit_code == 0 and "3 already there" in again.output
    path.write_text("not json")
    broken = runner.invoke(args=["import-unsynced", str(path)])
    assert broken.exit_code != 0 and "invalid_json" in broken.output


def test_openapi_documents_the_report(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/sync/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("ImportResponse")
