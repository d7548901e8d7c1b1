"""Photos: the records (through the generic record rules) and the resumable, content-addressed uploads.

Upload protocol (sync/PROTOCOL.md section 7): HEAD says how many bytes the
server holds for this user, PATCH appends a chunk at an offset, the last chunk
is checked against the hash and run through the Pillow pipeline.

Whose is what:

* A partial upload is its uploader's (``photo_partials``): other users' chunks,
  lengths and wrong bytes never touch it.
* The stored bytes of a hash are for a user who may *have* them: one who
  uploaded valid bytes of it (``photo_uploaders``) or who may see a stored
  record of it. To anyone else the server answers as if it held nothing, so
  they must upload the bytes themselves; once verified against the hash, the
  dedup writes nothing new. Knowing a hash is not the right to its bytes.
* A record becomes ``stored`` when a user who may see it uploads valid bytes,
  or, created after the bytes were stored, when its creator may have them.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import exists, select

from server.authz import can_see_factory, factory_scope
from server.errors import ApiError, not_found, validation_error
from server.extensions import db
from server.models import InspectionDefect, MilestoneEvent, Photo, PhotoUpload, PhotoUploader, User
from server.models.base import utcnow
from server.photos import (
    LocalDiskStorage,
    OffsetMismatch,
    PhotoLimits,
    PhotoRejected,
    PhotoStorage,
    S3Storage,
    process_photo,
)
from server.services import changes, photo_partials, records

MAX_CHUNK = 1024 * 1024
UPLOADERS = ("inspector", "factory", "admin")
SIZES = {"thumb": ".thumb.jpg", "display": ".display.jpg", "original": ".orig"}
_REJECTION_STATUS = {"too_large": 413, "not_an_image": 415, "unsupported_format": 415,
                     "decompression_bomb": 422, "corrupt_image": 422}


def storage() -> PhotoStorage:
    """The app's photo storage (PHOTO_STORAGE: local disk or S3), made on first use (no I/O when the app is built)."""
    extensions = current_app.extensions
    if "seamline.photo_storage" not in extensions:
        extensions["seamline.photo_storage"] = _make_storage(current_app.config)
    return extensions["seamline.photo_storage"]


def _make_storage(config) -> PhotoStorage:
    if config["PHOTO_STORAGE"] == "s3":
        return S3Storage.from_settings(
            bucket=config["S3_BUCKET"], prefix=config["S3_PREFIX"], endpoint_url=config["S3_ENDPOINT_URL"],
            region=config["S3_REGION"], access_key_id=config["S3_ACCESS_KEY_ID"],
            secret_access_key=config["S3_SECRET_ACCESS_KEY"], addressing_style=config["S3_ADDRESSING_STYLE"])
    return LocalDiskStorage(config["PHOTO_DIR"])


def limits() -> PhotoLimits:
    return PhotoLimits(max_bytes=current_app.config.get("PHOTO_MAX_BYTES", PhotoLimits.max_bytes),
                       max_pixels=current_app.config.get("PHOTO_MAX_PIXELS", PhotoLimits.max_pixels))


# --- photo records --------------------------------------------------------------------------


def before_photo_write(user: User, photo: Photo, data: dict, is_new: bool) -> None:
    """Derive what the photo belongs to and whether its bytes are already here."""
    if photo.defect_id is not None:
        defect = records.lookup(InspectionDefect, photo.defect_id)
        if defect is None or defect.is_deleted:
            raise validation_error({"defect_id": ["Unknown inspection defect."]})
        photo.inspection_id = photo.inspection_id or defect.inspection_id
        photo.factory_id = defect.factory_id
    elif photo.milestone_event_id is not None:
        event = records.lookup(MilestoneEvent, photo.milestone_event_id)
        if event is None or event.is_deleted:
            raise validation_error({"milestone_event_id": ["Unknown milestone event."]})
        photo.factory_id = event.factory_id
    elif photo.corrective_action_id is not None:
        from server.models import CorrectiveAction

        action = records.lookup(CorrectiveAction, photo.corrective_action_id)
        if action is None or action.is_deleted or not can_see_factory(user, action.factory_id):
            raise validation_error({"corrective_action_id": ["Unknown corrective action."]})
        photo.factory_id = action.factory_id
    elif photo.inspection_id is not None:
        from server.models import Inspection

        inspection = records.lookup(Inspection, photo.inspection_id)
        if inspection is None or inspection.is_deleted:
            raise validation_error({"inspection_id": ["Unknown inspection."]})
        photo.factory_id = inspection.factory_id
    else:
        raise validation_error({"inspection_id": [
            "A photo belongs to an inspection, a defect, a milestone or a corrective action."]})
    if is_new:
        upload = db.session.get(PhotoUpload, photo.sha256)
        if upload is not None and _may_have(user, photo.sha256):
            _mark_stored(photo, upload)
        else:
            # Bytes stored for users who may not see this record do not count: its user uploads them too.
            photo.storage_state = "pending"


def _mark_stored(photo: Photo, upload: PhotoUpload) -> None:
    photo.storage_state = "stored"
    photo.width, photo.height, photo.byte_size = upload.width, upload.height, upload.length
    photo.captured_at = photo.captured_at or upload.captured_at


# --- who may see a hash, and who may have its bytes -------------------------------------------


def _scoped(stmt, user: User):
    scope = factory_scope(user)
    return stmt if scope is None else stmt.where(Photo.factory_id.in_(scope))


def _visible_photo_exists(user: User, sha256: str, stored_only: bool = False) -> bool:
    stmt = _scoped(select(Photo.id).where(Photo.sha256 == sha256, Photo.deleted_at.is_(None)), user)
    if stored_only:
        stmt = stmt.where(Photo.storage_state == "stored")
    return db.session.scalar(select(exists(stmt))) or False


def _may_have(user: User, sha256: str) -> bool:
    """Whether the stored bytes of ``sha256`` are the user's to have (False if nothing is stored).

    They are if the user uploaded valid bytes of it, or may see a record of it
    that is stored: a record becomes stored only through someone who may see it
    (see _records_visible_to and before_photo_write), so this shows the user
    nothing that was not already theirs to see.
    """
    if db.session.get(PhotoUpload, sha256) is None:
        return False
    return (db.session.get(PhotoUploader, (sha256, user.id)) is not None
            or _visible_photo_exists(user, sha256, stored_only=True))


# --- the upload protocol -----------------------------------------------------------------------


def upload_status(user: User, sha256: str) -> tuple[int, int]:
    """HEAD: (bytes held, total length) of what this user may have or has sent; else 404, as if nothing were here."""
    if _may_have(user, sha256):
        length = db.session.get(PhotoUpload, sha256).length
        return length, length
    partial_length = photo_partials.live_length(user, sha256)
    if partial_length is None:
        raise not_found("upload")
    return storage().part_size(photo_partials.key(sha256, user.id)), partial_length


def append_chunk(user: User, sha256: str, offset: int, length: int | None, chunk: bytes,
                 source: str = "api") -> tuple[int, int, bool]:
    """PATCH: append ``chunk`` at ``offset`` to the user's own upload; returns (new offset, length, complete).

    The slow parts (writing the chunk, hashing, the Pillow pipeline) run
    outside any database transaction, so they never hold the writers' lock;
    only the bookkeeping steps are (short) recorded transactions.
    """
    if len(chunk) > MAX_CHUNK:
        raise ApiError(413, "chunk_too_large", f"Send at most {MAX_CHUNK} bytes per PATCH.")
    photo_limits = limits()
    if _may_have(user, sha256):
        # The server already has these bytes and they are the user's to have: done at once, nothing new stored.
        total = db.session.get(PhotoUpload, sha256).length
        if length is not None and length != total:
            raise validation_error({"Upload-Length": [f"This upload is {total} bytes long."]})
        db.session.rollback()
        _record_stored(user, sha256, source)
        storage().discard_part(photo_partials.key(sha256, user.id))  # any upload of theirs is moot now
        return total, total, True
    # From here on only the user's own upload counts, exactly as if the server held nothing else.
    total = photo_partials.live_length(user, sha256)
    if total is None:
        if length is None:
            raise validation_error({"Upload-Length": ["Required on the first chunk."]})
        if length > photo_limits.max_bytes:
            raise ApiError(413, "too_large", f"Photos may be at most {photo_limits.max_bytes} bytes.",
                           {"Upload-Length": [f"At most {photo_limits.max_bytes}."]})
        if offset != 0:
            raise _offset_mismatch(0)
        total = photo_partials.start(user, sha256, length, source)
    if length is not None and length != total:
        raise validation_error({"Upload-Length": [f"This upload is {total} bytes long."]})
    db.session.rollback()  # end the read: nothing below may hold the database while it works
    if offset + len(chunk) > total:
        raise validation_error({"Upload-Offset": ["The chunk goes past Upload-Length."]})
    key = photo_partials.key(sha256, user.id)
    try:
        held = storage().put_part(key, offset, chunk)
    except OffsetMismatch as mismatch:
        raise _offset_mismatch(mismatch.current_size) from mismatch
    if held < total:
        photo_partials.touch(user, sha256, source)
        return held, total, False
    processed, refusal = _finish(key, sha256, photo_limits)
    if refusal is not None:
        # A hash mismatch says nothing about the photo, only about this upload: it costs only this partial.
        _record_refusal(user, sha256, source, reject_records=refusal.code != "hash_mismatch")
        raise refusal
    _record_stored(user, sha256, source, total, processed)
    storage().discard_part(key)  # a chunk that raced the completion must not leave bytes behind
    return total, total, True


def _offset_mismatch(held: int) -> ApiError:
    return ApiError(409, "offset_mismatch", f"The server holds {held} bytes; resume there.",
                    {"Upload-Offset": [str(held)]}, headers={"Upload-Offset": str(held)})


def store_complete(user: User, sha256: str, data: bytes, source: str) -> bool:
    """Store a whole photo held in memory (from an imported file) through the upload path above.

    Only bytes that a photo record the user may see names, and only for a
    role that may upload. Returns False, storing nothing new, when the server
    already had them.
    """
    if user.role not in UPLOADERS:
        raise ApiError(403, "forbidden", "This user's role may not upload photos.")
    if not _visible_photo_exists(user, sha256):
        raise ApiError(404, "no_record", "No photo record this user may see names these bytes.")
    already_held = db.session.get(PhotoUpload, sha256) is not None
    offset = 0
    while True:
        try:
            offset, _length, complete = append_chunk(user, sha256, offset, len(data),
                                                     data[offset:offset + MAX_CHUNK], source)
        except ApiError as exc:
            if exc.code != "offset_mismatch":
                raise
            # The phone had uploaded part of it: same hash, same bytes, so carry on from there.
            offset = int(exc.headers["Upload-Offset"])
            continue
        if complete:
            return not already_held


def _finish(key: str, sha256: str, photo_limits: PhotoLimits):
    """Check the hash of a complete upload and, for bytes new to the server, run the pipeline and store.

    Returns (processed photo, None), (None, None) when the server already had
    these bytes (verified by hash, so nothing new is written), or (None, the
    error to answer). Either way the raw bytes are gone afterwards: refused
    uploads leave nothing behind, and accepted ones keep only what the pipeline
    wrote (no GPS, no EXIF).
    """
    store = storage()
    with store.read_part(key) as part:
        data = part.read()
    try:
        if hashlib.sha256(data).hexdigest() != sha256:
            return None, ApiError(422, "hash_mismatch",
                                  "The bytes do not match the sha256 in the URL; your upload was discarded.")
        already_stored = db.session.get(PhotoUpload, sha256) is not None
        db.session.rollback()
        if already_stored:
            return None, None
        try:
            processed = process_photo(data, photo_limits)
        except PhotoRejected as rejected:
            return None, ApiError(_REJECTION_STATUS.get(rejected.code, 422), rejected.code, rejected.message)
        store.put(sha256 + SIZES["thumb"], processed.thumb, "image/jpeg")
        store.put(sha256 + SIZES["display"], processed.display, "image/jpeg")
        store.put(sha256 + SIZES["original"], processed.original_clean, processed.original_media_type)
        return processed, None
    finally:
        store.discard_part(key)


def _record_stored(user: User, sha256: str, source: str, length: int | None = None, processed=None) -> None:
    """The user has proven they hold the bytes: note it, and store the records they may see, in one transaction."""
    with changes.recording(user, source):
        upload = db.session.get(PhotoUpload, sha256)
        if upload is None:  # new bytes (two users finishing at once: the second finds the first's row)
            upload = PhotoUpload(sha256=sha256, length=length, completed_at=utcnow(), width=processed.width,
                                 height=processed.height, captured_at=processed.captured_at,
                                 stored_bytes=len(processed.thumb) + len(processed.display)
                                 + len(processed.original_clean))
            db.session.add(upload)
            changes.flush()
        photo_partials.forget(user, sha256)
        if db.session.get(PhotoUploader, (sha256, user.id)) is None:
            db.session.add(PhotoUploader(sha256=sha256, user_id=user.id))
        for photo in _records_visible_to(user, sha256, ("pending", "rejected")):
            _mark_stored(photo, upload)


def _record_refusal(user: User, sha256: str, source: str, reject_records: bool) -> None:
    """Drop the user's partial; for bytes that are the photo itself but unusable, reject the records they may see."""
    with changes.recording(user, source):
        photo_partials.forget(user, sha256)
        if reject_records:
            for photo in _records_visible_to(user, sha256, ("pending",)):
                photo.storage_state = "rejected"


def _records_visible_to(user: User, sha256: str, states: tuple[str, ...]):
    """The records of ``sha256`` in these states that ``user`` may see: only those does their upload decide."""
    return db.session.scalars(_scoped(select(Photo).where(Photo.sha256 == sha256,
                                                          Photo.storage_state.in_(states)), user))


def _check_may_view(user: User, sha256: str) -> None:
    if not _visible_photo_exists(user, sha256, stored_only=True):
        if _visible_photo_exists(user, sha256):
            raise ApiError(404, "photo_pending", "The photo's bytes have not arrived yet.")
        raise not_found("photo")


def open_photo(user: User, sha256: str, size: str):
    """GET: the bytes of one size, for those who may see a stored record of this photo."""
    _check_may_view(user, sha256)
    name = sha256 + SIZES[size]
    return storage().open(name), storage().size(name)


def presigned_photo_url(user: User, sha256: str, size: str) -> str | None:
    """GET with S3_PRESIGNED_URL_SECONDS set on S3: a short-lived URL of the bytes instead of the bytes; else None."""
    seconds = current_app.config["S3_PRESIGNED_URL_SECONDS"]
    store = storage()
    if not seconds or not isinstance(store, S3Storage):
        return None
    _check_may_view(user, sha256)
    return store.presigned_url(sha256 + SIZES[size], seconds)


def presigned_photo_origin() -> str | None:
    """The origin presigned photo URLs point at, when downloads redirect there (the app's pages must let
    images load from it); None when photos are served by the app itself. Signing is local: no request."""
    if not current_app.config["S3_PRESIGNED_URL_SECONDS"] or current_app.config["PHOTO_STORAGE"] != "s3":
        return None
    url = urlsplit(storage().presigned_url("0" * 64 + SIZES["thumb"], 60))
    return f"{url.scheme}://{url.netloc}"
