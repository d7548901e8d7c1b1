"""The app as deployed: gunicorn with deploy/gunicorn.conf.py, several workers, PostgreSQL and S3.

Phones sync through it with the Python sync client over real HTTP (push, photo upload, pull), so
every piece of state a request needs must be where every worker finds it: sessions and the CSRF
token in the database, the upload in progress in the bucket, its bookkeeping in the database.
"""

from __future__ import annotations

import io
import json
import secrets
import threading
import time
import urllib.request
from pathlib import Path

import gunicornserver
import pytest
import world
from PIL import Image

from sync.client import Backoff, SyncClient, urllib_transport

WORKERS = 3


@pytest.fixture
def served(pg_server, s3_server, templates, tmp_path):
    """(base URL, S3 settings, gunicorn's log) of gunicorn serving a PostgreSQL world database and S3 photos."""
    s3_settings = s3_server.settings(s3_server.bucket, prefix=f"gunicorn-{secrets.token_hex(4)}/")
    log_path = tmp_path / "gunicorn.log"
    env = {**s3_settings, "DATABASE_URL": templates.copy("postgresql", "world"), "SEAMLINE_ENV": "development",
           "SECRET_KEY": secrets.token_hex(32), "PHOTO_DIR": str(tmp_path / "unused-photo-dir")}
    with gunicornserver.serve(env, WORKERS, log_path) as base_url:
        yield base_url, s3_settings, log_path


def _phone(base_url: str, persona: str, state: Path) -> SyncClient:
    return SyncClient(base_url, world.PERSONAS[persona][0], world.PASSWORD, state_path=str(state),
                      transport=urllib_transport(timeout=120), backoff=Backoff(attempts=3, sleep=time.sleep))


def _jpeg_file(path: Path, seed: int) -> Path:
    # Noise does not compress: about 1 MB, so the upload takes several of the client's 256 KiB chunks.
    Image.effect_noise((1000, 800), 50 + seed).convert("RGB").save(path, "JPEG", quality=92)
    return path


def test_phones_sync_through_gunicorn_workers_on_postgresql_and_s3(served, tmp_path):
    base_url, s3_settings, log_path = served
    with urllib.request.urlopen(base_url + "/api/v1/health", timeout=30) as answer:
        health = json.load(answer)
    assert (health["status"], health["database"], health["photo_storage"]) == ("ok", "postgresql", "s3")
    assert health["database_ok"] and health["photo_storage_ok"] and health["migrations_at_head"]

    inspector = _phone(base_url, "inspector_a", tmp_path / "inspector.db")
    defect = inspector.upsert("inspection_defect", {
        "inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
        "severity": "major", "note": "open seam, left sleeve"})
    photos = [inspector.put_photo(str(_jpeg_file(tmp_path / f"defect-{n}.jpg", n)), {"defect_id": defect},
                                  caption=f"seam {n}") for n in range(2)]
    assert inspector.pending() == 5  # the defect, two photo records, and the bytes of two photos

    # The factory's phone syncs meanwhile: two phones' requests land on whichever workers are free.
    errors = []

    def factory_syncs():
        phone = _phone(base_url, "factory_a", tmp_path / "factory.db")  # a client stays in its own thread
        try:
            phone.sync()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            phone.close()

    other = threading.Thread(target=factory_syncs)
    other.start()
    inspector.sync()  # push, photo upload, pull
    other.join()
    assert errors == []
    assert inspector.pending() == 0 and inspector.photo_errors() == {} and inspector.rejections() == []

    factory = _phone(base_url, "factory_a", tmp_path / "factory.db")  # the same phone, restarted
    factory.sync()  # pulls what the inspector pushed
    assert factory.records("inspection_defect")[defect]["note"] == "open seam, left sleeve"
    pulled = {record["sha256"]: record for record in factory.records("photo").values()}
    assert {sha: pulled[sha]["storage_state"] for sha in photos} == {sha: "stored" for sha in photos}

    # The bytes are in the bucket under the configured prefix, with their content types; no upload is left over.
    import boto3
    from botocore.config import Config

    s3 = boto3.session.Session().client(
        "s3", endpoint_url=s3_settings["S3_ENDPOINT_URL"], region_name=s3_settings["S3_REGION"],
        aws_access_key_id=s3_settings["S3_ACCESS_KEY_ID"], aws_secret_access_key=s3_settings["S3_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}))
    prefix = s3_settings["S3_PREFIX"]
    listed = s3.list_objects_v2(Bucket=s3_settings["S3_BUCKET"], Prefix=prefix).get("Contents", [])
    assert sorted(item["Key"].removeprefix(prefix) for item in listed) == sorted(
        f"objects/{sha}{suffix}" for sha in photos for suffix in (".orig", ".display.jpg", ".thumb.jpg"))
    thumb = s3.head_object(Bucket=s3_settings["S3_BUCKET"], Key=f"{prefix}objects/{photos[0]}.thumb.jpg")
    assert thumb["ContentType"] == "image/jpeg"

    # The factory user sees the photo, streamed from the bucket through a worker.
    viewer = _phone(base_url, "factory_a", tmp_path / "viewer.db")
    viewer._login()
    status, headers, raw = viewer._exchange("GET", f"/api/v1/photos/{photos[1]}?size=display")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(raw)).size == (1000, 800)
    for phone in (inspector, factory, viewer):
        phone.close()

    log = log_path.read_text()
    assert len([line for line in log.splitlines() if "Booting worker with pid" in line]) >= WORKERS
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log, log[-3000:]
