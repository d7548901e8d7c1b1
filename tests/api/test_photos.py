"""Photo uploads: resumable, content-addressed, verified; served only to who may see them."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
import world
from photo_files import stored_files
from PIL import Image

pytestmark = pytest.mark.photo_storages  # on local disk and on S3 (tests/conftest.py)
CHUNK = 64 * 1024


def _jpeg(width=1200, height=900, orientation=None, gps=False, seed=1) -> bytes:
    image = Image.effect_noise((width, height), 40 + seed).convert("RGB")
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x0132] = "2026:03:04 10:11:12"
    if gps:
        exif[0x8825] = {1: "N", 2: (23.0, 48.0, 10.0), 3: "E", 4: (90.0, 24.0, 5.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _patch(client, sha, offset, chunk, length):
    return client.patch(f"/api/v1/photos/{sha}", data=chunk, headers={
        "Upload-Offset": str(offset), "Upload-Length": str(length), "Content-Type": "application/offset+octet-stream"})


def _upload(client, data, chunk=CHUNK, start=0):
    sha = _sha(data)
    offset = start
    while offset < len(data):
        response = _patch(client, sha, offset, data[offset:offset + chunk], len(data))
        assert response.status_code == 204, response.get_json()
        offset = int(response.headers["Upload-Offset"])
    return sha


def _record(client, sha, **belongs):
    body = {"sha256": sha, "kind": "defect", "caption": "hole near hem", **(belongs or {"defect_id": str(world.DEFECT_A)})}
    response = client.post("/api/v1/photo-records", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_record_first_then_bytes_keeps_the_inspection_incomplete_until_they_arrive(login_as):
    inspector = login_as("inspector_a")
    data = _jpeg()
    sha = _sha(data)
    before = inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["photos_pending"]
    record = _record(inspector, sha)
    assert record["storage_state"] == "pending" and record["inspection_id"] == str(world.INSPECTION_A)
    assert inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["photos_pending"] == before + 1
    assert inspector.get(f"/api/v1/photos/{sha}").status_code == 404
    _upload(inspector, data)
    stored = inspector.get(f"/api/v1/photo-records/{record['id']}").get_json()
    assert (stored["storage_state"], stored["width"], stored["height"]) == ("stored", 1200, 900)
    assert inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["photos_pending"] == before
    for size, longest in (("thumb", 320), ("display", 1200)):
        served = inspector.get(f"/api/v1/photos/{sha}?size={size}")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert "immutable" in served.headers["Cache-Control"]
        assert max(Image.open(io.BytesIO(served.data)).size) == longest


@pytest.mark.parametrize("chunk", [CHUNK, 100_000])
def test_interrupted_upload_resumes_from_every_boundary(login_as, chunk):
    inspector = login_as("inspector_a")
    data = _jpeg(seed=3)
    sha = _sha(data)
    _record(inspector, sha)
    offset = 0
    while offset < len(data):
        head = inspector.open("HEAD", f"/api/v1/photos/{sha}")
        held = int(head.headers["Upload-Offset"]) if head.status_code == 200 else 0
        assert held == offset
        # Send a chunk, then "lose the connection" and resend the same chunk: 409 with the right offset.
        response = _patch(inspector, sha, offset, data[offset:offset + chunk], len(data))
        assert response.status_code == 204
        offset = int(response.headers["Upload-Offset"])
        if offset < len(data):
            stale = _patch(inspector, sha, offset - 1, data[offset - 1:offset + chunk], len(data))
            assert stale.status_code == 409 and int(stale.headers["Upload-Offset"]) == offset
    original = Image.open(io.BytesIO(inspector.get(f"/api/v1/photos/{sha}?size=original").data))
    assert original.size == (1200, 900)


def test_mid_chunk_resume(login_as):
    inspector = login_as("inspector_a")
    data = _jpeg(seed=4)
    sha = _sha(data)
    _patch(inspector, sha, 0, data[:1000], len(data))
    _patch(inspector, sha, 1000, data[1000:1777], len(data))  # a chunk cut short mid-way
    assert int(inspector.open("HEAD", f"/api/v1/photos/{sha}").headers["Upload-Offset"]) == 1777
    _upload(inspector, data, start=1777)
    assert int(inspector.open("HEAD", f"/api/v1/photos/{sha}").headers["Upload-Offset"]) == len(data)


def test_wrong_hash_is_refused_and_discarded(app, login_as):
    inspector = login_as("inspector_a")
    data = _jpeg(seed=5)
    wrong = _sha(b"something else")
    response = _patch(inspector, wrong, 0, data, len(data))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "hash_mismatch"
    assert inspector.open("HEAD", f"/api/v1/photos/{wrong}").status_code == 404
    assert _stored_files(app) == []


def test_reupload_of_a_known_hash_stores_nothing_new(app, login_as):
    inspector = login_as("inspector_a")
    data = _jpeg(seed=6)
    sha = _upload(inspector, data)
    _record(inspector, sha)  # the factory's user may see it: their upload completes at once (PROTOCOL 7.4, 7.6)
    files = _stored_files(app)
    again = _patch(login_as("factory_a"), sha, 0, data[:10], len(data))
    assert again.status_code == 204 and int(again.headers["Upload-Offset"]) == len(data)
    assert _stored_files(app) == files


def test_two_clients_uploading_the_same_photo_end_with_one_file(app, login_as):
    data = _jpeg(seed=7)
    sha = _sha(data)
    clients = [login_as("inspector_a"), login_as("inspector_a")]
    errors = []

    def run(client):
        offset = 0
        while offset < len(data):
            response = _patch(client, sha, offset, data[offset:offset + CHUNK], len(data))
            if response.status_code == 409:
                offset = int(response.headers["Upload-Offset"])
            elif response.status_code == 204:
                offset = int(response.headers["Upload-Offset"])
            else:
                errors.append(response.get_json())
                return

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(name.rsplit("/", 1)[-1] for name in _stored_files(app)) == sorted(
        [sha + ".display.jpg", sha + ".orig", sha + ".thumb.jpg"])


@pytest.mark.parametrize("data, status, code", [
    (b"this is not an image at all" * 10, 415, "not_an_image"),
    (b"GIF89a" + b"\x00" * 100, 415, None),
    (_jpeg(seed=8)[:3000], 422, None),
])
def test_bad_files_get_4xx_and_leave_nothing(app, login_as, data, status, code):
    inspector = login_as("inspector_a")
    sha = _sha(data)
    record = _record(inspector, sha)
    response = _patch(inspector, sha, 0, data, len(data))
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["error"]["code"] == code
    assert _stored_files(app) == []
    assert inspector.get(f"/api/v1/photo-records/{record['id']}").get_json()["storage_state"] == "rejected"


def test_oversize_upload_refused_up_front(app, login_as):
    app.config["PHOTO_MAX_BYTES"] = 10_000
    response = _patch(login_as("inspector_a"), _sha(b"x"), 0, b"x", 20_000)
    assert response.status_code == 413


def test_decompression_bomb_refused(app, login_as):
    image = Image.new("L", (12000, 12000))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    app.config["PHOTO_MAX_PIXELS"] = 50_000_000
    response = _patch(login_as("inspector_a"), _sha(data), 0, data, len(data))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "decompression_bomb"
    assert _stored_files(app) == []


def test_orientation_applied_and_gps_gone_from_everything_served(login_as):
    inspector = login_as("inspector_a")
    data = _jpeg(1200, 900, orientation=6, gps=True)
    sha = _upload(inspector, data)
    record = _record(inspector, sha)
    assert (record["width"], record["height"]) == (900, 1200)
    for size in ("thumb", "display", "original"):
        served = Image.open(io.BytesIO(inspector.get(f"/api/v1/photos/{sha}?size={size}").data))
        assert served.size[1] > served.size[0]  # portrait: the orientation was applied
        exif = served.getexif()
        assert 0x8825 not in exif and 0x0112 not in exif and len(exif) == 0, dict(exif)


def test_other_factory_gets_404_for_the_photo_and_its_head(login_as):
    inspector = login_as("inspector_a")
    sha = _upload(inspector, _jpeg(seed=9))
    _record(inspector, sha)
    intruder = login_as("inspector_b")
    assert intruder.get(f"/api/v1/photos/{sha}").status_code == 404
    assert intruder.open("HEAD", f"/api/v1/photos/{sha}").status_code == 404
    assert login_as("designer").get(f"/api/v1/photos/{sha}?size=thumb").status_code == 200
    assert login_as("designer").patch(f"/api/v1/photos/{sha}", data=b"x",
                                      headers={"Upload-Offset": "0"}).status_code == 403


def test_chunk_over_1_mib_refused(login_as):
    data = b"\xff" * (1024 * 1024 + 1)
    response = _patch(login_as("inspector_a"), _sha(data), 0, data, len(data))
    assert response.status_code == 413


def _stored_files(app):
    """objects/<name> and parts/<key> (uploads holding bytes), on whichever storage the app uses."""
    return stored_files(app)
