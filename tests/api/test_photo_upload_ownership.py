"""Who an upload belongs to, and who its bytes belong to (issue 10, items 4 and 5; sync/PROTOCOL.md 7.3-7.9).

A partial upload is its uploader's alone: wrong bytes or a wrong length from one
user never touch anyone else's upload or anyone's record. Partials expire and
count against a per-user limit. Knowing a hash is not the right to its bytes: a
record becomes `stored` only through a user who may see it and who uploaded the
bytes (or already sees them stored).
"""

from __future__ import annotations

import os
from datetime import timedelta

import photo_files
import pytest
import world
from test_photos import CHUNK, _jpeg, _patch, _record, _sha, _upload

from server.extensions import db
from server.models.base import utcnow

pytestmark = pytest.mark.photo_storages  # on local disk and on S3 (tests/conftest.py)


def _head(client, sha):
    return client.open("HEAD", f"/api/v1/photos/{sha}")


def _state(client, record):
    return client.get(f"/api/v1/photo-records/{record['id']}").get_json()["storage_state"]


def _objects(app):
    return photo_files.objects(app)


def _parts(app):
    return photo_files.parts(app)


# --- item 4: a partial upload belongs to its uploader -------------------------------------------


def test_wrong_bytes_from_another_user_discard_only_their_own_partial(login_as):
    inspector, factory = login_as("inspector_a"), login_as("factory_a")
    data = _jpeg(seed=21)
    sha = _sha(data)
    record = _record(inspector, sha)
    forged = _jpeg(seed=22)[:len(data)]
    spoiled = _patch(factory, sha, 0, forged, len(forged))
    assert spoiled.status_code == 422 and spoiled.get_json()["error"]["code"] == "hash_mismatch"
    assert _state(inspector, record) == "pending"  # not `rejected`: the record was not the forger's to spoil
    _upload(inspector, data)
    assert _state(inspector, record) == "stored"


def test_wrong_bytes_arriving_while_another_user_uploads_leave_that_upload_alone(login_as):
    inspector, factory = login_as("inspector_a"), login_as("factory_a")
    data = _jpeg(seed=23)
    sha = _sha(data)
    record = _record(inspector, sha)
    assert _patch(inspector, sha, 0, data[:CHUNK], len(data)).status_code == 204
    wrong = b"\xff" * len(data)
    assert _patch(factory, sha, 0, wrong, len(wrong)).get_json()["error"]["code"] == "hash_mismatch"
    assert int(_head(inspector, sha).headers["Upload-Offset"]) == CHUNK
    _upload(inspector, data, start=CHUNK)
    assert _state(inspector, record) == "stored"


def test_a_wrong_upload_length_blocks_only_its_sender(app, login_as):
    inspector, factory = login_as("inspector_a"), login_as("factory_a")
    data = _jpeg(seed=24)
    sha = _sha(data)
    record = _record(inspector, sha)
    squatter = _patch(factory, sha, 0, data[:100], len(data) + 5000)
    assert squatter.status_code == 204
    assert _head(inspector, sha).status_code == 404  # the squatter's partial is not the inspector's
    head = _head(factory, sha)  # it answers its own sender, at its own length
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == ("100", str(len(data) + 5000))
    _upload(inspector, data)
    assert _state(inspector, record) == "stored"
    # The squatter may see the stored record now: the photo is complete for them too.
    assert _head(factory, sha).headers["Upload-Offset"] == str(len(data))


def test_two_users_uploading_one_photo_in_turns_each_resume_their_own_offset(app, login_as):
    inspector, factory = login_as("inspector_a"), login_as("factory_a")
    data = _jpeg(seed=25)
    sha = _sha(data)
    record = _record(inspector, sha)
    offsets = {"inspector": 0, "factory": 0}
    clients = {"inspector": inspector, "factory": factory}
    while min(offsets.values()) < len(data):
        for name, client in clients.items():
            offset = offsets[name]
            if offset < len(data):
                response = _patch(client, sha, offset, data[offset:offset + CHUNK], len(data))
                assert response.status_code == 204, response.get_json()
                offsets[name] = int(response.headers["Upload-Offset"])
    assert _state(inspector, record) == "stored"
    assert sorted(os.path.basename(name) for name in _objects(app)) == sorted(
        [sha + ".display.jpg", sha + ".orig", sha + ".thumb.jpg"])
    assert _parts(app) == []


def test_valid_bytes_turn_a_rejected_record_stored(app, login_as):
    """`rejected` is not for ever: a record becomes `stored` whenever valid bytes arrive."""
    inspector = login_as("inspector_a")
    data = _jpeg(1200, 900, seed=26)
    sha = _sha(data)
    record = _record(inspector, sha)
    app.config["PHOTO_MAX_PIXELS"] = 1000  # a limit set too low refuses the photo ...
    refused = _patch(inspector, sha, 0, data, len(data))
    assert refused.status_code == 422 and _state(inspector, record) == "rejected"
    app.config["PHOTO_MAX_PIXELS"] = 50_000_000  # ... and once it is raised, the same bytes are fine
    _upload(inspector, data)
    assert _state(inspector, record) == "stored"


def _age_partials(app, hours):
    from server.models import PhotoPartial

    with app.app_context():
        for partial in db.session.scalars(db.select(PhotoPartial)):
            partial.touched_at = utcnow() - timedelta(hours=hours)
        db.session.commit()


def test_partials_expire_after_the_configured_time(app, login_as):
    app.config["PHOTO_PARTIAL_TTL_HOURS"] = 24
    inspector, factory = login_as("inspector_a"), login_as("factory_a")
    data = _jpeg(seed=27)
    sha = _sha(data)
    _patch(factory, sha, 0, data[:CHUNK], len(data))
    _age_partials(app, 23)
    assert int(_head(factory, sha).headers["Upload-Offset"]) == CHUNK  # not expired yet
    _age_partials(app, 25)
    assert _head(factory, sha).status_code == 404  # expired: it no longer answers
    assert len(_parts(app)) == 1
    # Starting any upload sweeps the expired partials off the disk and out of the database.
    other = _jpeg(seed=28)
    _patch(inspector, _sha(other), 0, other[:CHUNK], len(other))
    assert len(_parts(app)) == 1
    from server.models import PhotoPartial

    with app.app_context():
        assert {p.sha256 for p in db.session.scalars(db.select(PhotoPartial))} == {_sha(other)}
    # The expired upload's owner starts over from 0, and finishes.
    stale = _patch(factory, sha, CHUNK, data[CHUNK:2 * CHUNK], len(data))
    assert stale.status_code == 409 and stale.headers["Upload-Offset"] == "0"
    _upload(factory, data)
    assert int(_head(factory, sha).headers["Upload-Offset"]) == len(data)


def test_bytes_in_flight_are_limited_per_user(app, login_as):
    first, second, third = _jpeg(seed=29), _jpeg(seed=30), _jpeg(seed=31)
    app.config["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"] = len(second) + max(len(first), len(third))
    factory, inspector = login_as("factory_a"), login_as("inspector_a")
    assert _patch(factory, _sha(first), 0, first[:CHUNK], len(first)).status_code == 204
    assert _patch(factory, _sha(second), 0, second[:CHUNK], len(second)).status_code == 204
    refused = _patch(factory, _sha(third), 0, third[:CHUNK], len(third))
    assert refused.status_code == 429, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_bytes_in_flight" and "Upload-Length" in error["fields"]
    assert _head(factory, _sha(third)).status_code == 404  # nothing was kept of it
    # Another user has a limit of their own; the user's own partials still resume.
    assert _patch(inspector, _sha(third), 0, third[:CHUNK], len(third)).status_code == 204
    _upload(factory, first, start=CHUNK)
    # Finishing one frees its bytes: the third fits now.
    _upload(factory, third)


def test_expired_partials_do_not_count_against_the_limit(app, login_as):
    first, second = _jpeg(seed=32), _jpeg(seed=33)
    app.config["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"] = max(len(first), len(second))
    factory = login_as("factory_a")
    assert _patch(factory, _sha(first), 0, first[:CHUNK], len(first)).status_code == 204
    assert _patch(factory, _sha(second), 0, second[:CHUNK], len(second)).status_code == 429
    _age_partials(app, app.config["PHOTO_PARTIAL_TTL_HOURS"] + 1)
    assert _patch(factory, _sha(second), 0, second[:CHUNK], len(second)).status_code == 204


# --- item 5: knowing a hash is not the right to its bytes --------------------------------------


def test_a_record_naming_someone_elses_hash_stays_pending_until_its_user_uploads_the_bytes(app, login_as):
    inspector_a, inspector_b = login_as("inspector_a"), login_as("inspector_b")
    data = _jpeg(seed=34)
    sha = _upload(inspector_a, data)
    _record(inspector_a, sha)
    stored_files = _objects(app)
    # Inspector B learns the hash and names it in a record of factory B.
    record = _record(inspector_b, sha, inspection_id=str(world.INSPECTION_B), kind="inspection")
    assert record["storage_state"] == "pending" and record["width"] is None
    assert inspector_b.get(f"/api/v1/photos/{sha}?size=original").status_code == 404
    assert _head(inspector_b, sha).status_code == 404
    # Only the bytes themselves make it stored; the dedup writes nothing new.
    _upload(inspector_b, data)
    stored = inspector_b.get(f"/api/v1/photo-records/{record['id']}").get_json()
    assert (stored["storage_state"], stored["width"], stored["height"]) == ("stored", 1200, 900)
    assert inspector_b.get(f"/api/v1/photos/{sha}?size=thumb").status_code == 200
    assert _objects(app) == stored_files and _parts(app) == []


def test_a_patch_of_a_stored_hash_tells_nothing_to_a_user_who_may_not_see_it(login_as):
    inspector_a, inspector_b = login_as("inspector_a"), login_as("inspector_b")
    data = _jpeg(seed=35)
    sha = _upload(inspector_a, data)
    _record(inspector_a, sha)
    unknown = _jpeg(seed=36)
    answers = []
    for target in (data, unknown):  # a stored hash and one the server has never seen: the same answers
        target_sha = _sha(target)
        first = _patch(inspector_b, target_sha, 0, target[:CHUNK], len(target))
        wrong_length = _patch(inspector_b, target_sha, CHUNK, target[CHUNK:2 * CHUNK], len(target) + 1)
        stale = _patch(inspector_b, target_sha, 0, target[:CHUNK], len(target))
        answers.append([(r.status_code, r.headers.get("Upload-Offset"), (r.get_json() or {}).get("error", {}).get("code"))
                        for r in (first, wrong_length, stale)])
    assert answers[0] == answers[1]
    assert answers[0][0] == (204, str(CHUNK), None)


def test_bytes_uploaded_by_someone_who_may_not_see_a_record_leave_it_pending(login_as):
    inspector_a, inspector_b = login_as("inspector_a"), login_as("inspector_b")
    data = _jpeg(seed=37)
    sha = _sha(data)
    record_a = _record(inspector_a, sha)
    _upload(inspector_b, data)  # B has the bytes too, but may not see A's record
    assert _state(inspector_a, record_a) == "pending"
    assert inspector_a.get(f"/api/v1/photos/{sha}").status_code == 404
    # A record created afterwards by someone who neither uploaded the bytes nor sees them stored: pending too.
    assert _record(login_as("factory_a"), sha)["storage_state"] == "pending"
    _upload(inspector_a, data)
    assert _state(inspector_a, record_a) == "stored"


def test_a_stored_photo_completes_at_once_for_a_user_who_may_see_it(app, login_as):
    inspector, factory = login_as("inspector_a"), login_as("factory_a")
    data = _jpeg(seed=38)
    sha = _upload(inspector, data)
    _record(inspector, sha)
    files = photo_files.stored_files(app)
    # The factory's user sees the stored record: their copy needs no bytes, and a record of theirs is stored at once.
    assert int(_head(factory, sha).headers["Upload-Offset"]) == len(data)
    again = _patch(factory, sha, 0, data[:10], len(data))
    assert again.status_code == 204 and int(again.headers["Upload-Offset"]) == len(data)
    assert _record(factory, sha)["storage_state"] == "stored"
    assert photo_files.stored_files(app) == files
