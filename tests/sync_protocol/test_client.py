"""The Python client against the real app: durable outbox, resets, outdated servers, clock skew."""

from __future__ import annotations

import uuid

import pytest
import world
from sqlalchemy import select

from server.extensions import db
from sync.client import NetworkError, SyncClient, SyncError


def _defect_fields(**extra):
    return {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
            "severity": "major", **extra}


def test_round_trip_and_restart_from_the_state_file(make_client, tmp_path):
    phone = make_client("inspector_a")
    first = phone.upsert("inspection_defect", _defect_fields(note="hole at hem"))
    assert phone.pending() == 1
    assert phone.records("inspection_defect")[first]["note"] == "hole at hem"  # visible offline at once
    state_path = phone.db.execute("PRAGMA database_list").fetchone()[2]
    client_id = phone.client_id
    phone.close()  # as if the app were killed: the next start reads the same file
    reopened = SyncClient(phone.base_url, world.PERSONAS["inspector_a"][0], world.PASSWORD, state_path=state_path,
                          transport=phone.transport, backoff=phone.backoff)
    assert reopened.pending() == 1 and reopened.client_id == client_id
    reopened.sync()
    assert reopened.pending() == 0
    synced = reopened.records("inspection_defect")
    assert synced[first]["note"] == "hole at hem" and synced[first]["factory_id"] == str(world.FACTORY_A)
    assert str(world.DEFECT_A) in synced
    reopened.sync()
    assert reopened.pending() == 0 and reopened.rejections() == []
    reopened.close()


def test_scope_change_resets_the_replica_and_keeps_the_outbox(app, make_client, login_as):
    phone = make_client("inspector_a")
    phone.sync()
    assert str(world.INSPECTION_A) in phone.records("inspection")
    waiting = phone.upsert("milestone_event", {"production_order_id": str(world.PROD_ORDER_A), "stage": "sewing",
                                               "quantity": 300, "occurred_on": "2026-03-05"})
    admin = login_as("admin")
    moved = admin.patch(f"/api/v1/users/{world.user_id('inspector_a')}",
                        json={"factory_ids": [str(world.FACTORY_A), str(world.FACTORY_B)]})
    assert moved.status_code == 200
    phone.pull()  # answered reset, rebuilt from scratch with the new scope
    assert str(world.INSPECTION_B) in phone.records("inspection")
    assert phone.pending() == 1 and waiting in phone.records("milestone_event")
    phone.sync()
    assert phone.pending() == 0 and phone.rejections() == []


def test_outdated_client_keeps_its_changes(make_client, monkeypatch):
    import sync.client as client_module

    phone = make_client("inspector_a")
    phone.upsert("inspection_defect", _defect_fields())
    monkeypatch.setattr(client_module, "PROTOCOL_VERSION", 99)
    with pytest.raises(SyncError) as refused:
        phone.push()
    assert refused.value.code == "client_outdated"
    assert phone.pending() == 1
    monkeypatch.setattr(client_module, "PROTOCOL_VERSION", 1)
    phone.sync()
    assert phone.pending() == 0


def test_rejections_reach_the_client_and_later_changes_still_apply(make_client):
    phone = make_client("inspector_a")
    phone.upsert("inspection_defect", {**_defect_fields(), "severity": "catastrophic"})
    good = phone.upsert("inspection_defect", _defect_fields(note="fine"))
    phone.sync()
    assert phone.pending() == 0
    assert [r["code"] for r in phone.rejections()] == ["validation_error"]
    assert good in phone.records("inspection_defect")


def test_client_clock_skew_changes_nothing(app, make_client):
    """Order comes from the server's counter: a phone days ahead cannot win by its clock."""
    ahead = make_client("inspector_a", "ahead")
    behind = make_client("inspector_a", "behind")
    ahead.sync()
    behind.sync()
    ahead.upsert("inspection", {"notes": "ahead", "started_at": "2026-12-30T09:00:00+00:00"}, world.INSPECTION_A)
    ahead.sync()
    behind.upsert("inspection", {"notes": "behind", "started_at": "2026-01-02T09:00:00+00:00"}, world.INSPECTION_A)
    behind.sync()
    # behind edited a version it had not seen: the stored values stay, its own become conflicts.
    assert {c["field"] for c in behind.conflicts()} == {"notes", "started_at"}
    assert behind.records("inspection")[str(world.INSPECTION_A)]["notes"] == "ahead"
    behind.upsert("inspection", {"notes": "behind, after seeing ahead"}, world.INSPECTION_A)
    behind.sync()
    ahead.sync()
    assert ahead.records("inspection")[str(world.INSPECTION_A)]["notes"] == "behind, after seeing ahead"


def test_server_restored_from_backup_gets_everything_again(app, make_client):
    """A new database id: the client re-pulls, and re-pushes what the server lost."""
    from sqlalchemy import delete, update

    from server.models import AuditEntry, InspectionDefect, SyncState
    from server.models import SyncClient as SyncClientRow

    phone = make_client("inspector_a")
    kept = phone.upsert("inspection_defect", _defect_fields(note="before the backup"))
    phone.sync()
    lost = phone.upsert("inspection_defect", _defect_fields(note="after the backup"))
    phone.sync()
    with app.app_context():  # simulate the restore: the second mutation never happened here
        db.session.execute(delete(InspectionDefect).where(InspectionDefect.id == uuid.UUID(lost)))
        db.session.execute(delete(AuditEntry).where(AuditEntry.record_id == uuid.UUID(lost)))
        db.session.execute(update(SyncClientRow).values(last_mutation_id=1))
        db.session.execute(update(SyncState).values(database_id=uuid.uuid4()))
        db.session.commit()
    phone.sync()
    assert phone.pending() == 0 and phone.rejections() == []
    assert {kept, lost} <= set(phone.records("inspection_defect"))
    with app.app_context():
        assert db.session.get(InspectionDefect, uuid.UUID(lost)).note == "after the backup"


def test_put_photo_uploads_resumably_over_a_faulty_network(app, make_client, tmp_path):
    import hashlib
    import random

    from PIL import Image
    from sync_protocol.netsim import AppTransport, FaultyNetwork

    from server.models import Photo

    image = Image.effect_noise((1600, 1200), 60).convert("RGB")
    path = tmp_path / "defect.jpg"
    image.save(path, "JPEG", quality=90)
    network = FaultyNetwork(AppTransport(app), random.Random(7), drop=0.2, lose_answer=0.2, duplicate=0.2)
    phone = make_client("inspector_a", transport=network)
    sha = phone.put_photo(str(path), {"defect_id": str(world.DEFECT_A)}, caption="hole")
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    path.unlink()  # the phone's copy is in the client's state: the file can go
    assert phone.pending() == 2  # the record and the bytes
    for _ in range(10):
        try:
            phone.sync()
            break
        except NetworkError:  # retries ran out on this flaky line; the next attempt resumes
            continue
    network.enabled = False
    phone.sync()
    assert phone.pending() == 0 and phone.photo_errors() == {}
    with app.app_context():
        photo = db.session.scalars(select(Photo).where(Photo.sha256 == sha)).one()
        assert photo.storage_state == "stored" and (photo.width, photo.height) == (1600, 1200)
    records = phone.records("photo")
    assert [r["storage_state"] for r in records.values() if r["sha256"] == sha] == ["stored"]


def test_a_photo_over_the_bytes_in_flight_limit_waits_and_uploads_later(app, make_client, tmp_path):
    """429 too_many_bytes_in_flight is "not now", never a refusal: the photo stays waiting (PROTOCOL 7)."""
    from PIL import Image

    path = tmp_path / "hole.jpg"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path, "JPEG")
    phone = make_client("inspector_a")
    sha = phone.put_photo(str(path), {"defect_id": str(world.DEFECT_A)}, caption="hole")
    app.config["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"] = 10
    phone.sync()
    assert phone.pending() == 1 and phone.photo_errors() == {}
    app.config["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"] = 100 * 1024 * 1024
    phone.sync()
    assert phone.pending() == 0 and phone.photo_errors() == {}
    with app.app_context():
        from server.models import PhotoUpload

        assert db.session.get(PhotoUpload, sha) is not None
