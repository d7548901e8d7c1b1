"""Photos: the records (through the generic record rules) and the resumable, content-addressed uploads.

Upload protocol (sync/PROTOCOL.md section 7): HEAD says how many bytes the
server holds, PATCH appends a chunk at an offset, the last chunk is checked
against the hash and run through the Pillow pipeline, and every photo record
naming that hash becomes `stored`.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import exists, select

from server.authz import factory_scope
from server.errors import ApiError, not_found, validation_error
from server.extensions import db
from server.models import InspectionDefect, MilestoneEvent, Photo, PhotoUpload, PhotoUploader, User
from server.models.base import utcnow
from server.photos import LocalDiskStorage, OffsetMismatch, PhotoLimits, PhotoRejected, process_photo
from server.services import changes, records

MAX_CHUNK = 1024 * 1024
UPLOADERS = ("inspector", "factory", "admin")
SIZES = {"thumb": ".thumb.jpg", "display": ".display.jpg", "original": ".orig"}
_REJECTION_STATUS = {"too_large": 413, "not_an_image": 415, "unsupported_format": 415,
                     "decompression_bomb": 422, "corrupt_image": 422}


def storage() -> LocalDiskStorage:
    """The app's photo storage, made on first use (no I/O when the app is built)."""
    extensions = current_app.extensions
    if "seamline.photo_storage" not in extensions:
        extensions["seamline.photo_storage"] = LocalDiskStorage(current_app.config["PHOTO_DIR"])
    return extensions["seamline.photo_storage"]


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
    elif photo.inspection_id is not None:
        from server.models import Inspection

        inspection = records.lookup(Inspection, photo.inspection_id)
        if inspection is None or inspection.is_deleted:
            raise validation_error({"inspection_id": ["Unknown inspection."]})
        photo.factory_id = inspection.factory_id
    else:
        raise validation_error({"inspection_id": ["A photo belongs to an inspection, a defect or a milestone."]})
    if is_new:
        upload = db.session.get(PhotoUpload, photo.sha256)
        if upload is not None and upload.state == "stored":
            _mark_stored(photo, upload)
        else:
            photo.storage_state = "pending"


def _mark_stored(photo: Photo, upload: PhotoUpload) -> None:
    photo.storage_state = "stored"
    photo.width, photo.height, photo.byte_size = upload.width, upload.height, upload.length
    photo.captured_at = photo.captured_at or upload.captured_at


# --- who may see a hash ---------------------------------------------------------------------


def _visible_photo_exists(user: User, sha256: str) -> bool:
    stmt = select(Photo.id).where(Photo.sha256 == sha256, Photo.deleted_at.is_(None))
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(Photo.factory_id.in_(scope))
    return db.session.scalar(select(exists(stmt))) or False


def _is_uploader(user: User, sha256: str) -> bool:
    return db.session.get(PhotoUploader, (sha256, user.id)) is not None


# --- the upload protocol -----------------------------------------------------------------------


def upload_status(user: User, sha256: str) -> tuple[int, int]:
    """HEAD: (bytes held, total length), for the uploader and those who may see the photo; else 404."""
    upload = db.session.get(PhotoUpload, sha256)
    if upload is None or not (_is_uploader(user, sha256) or _visible_photo_exists(user, sha256)):
        raise not_found("upload")
    if upload.state == "stored":
        return upload.length, upload.length
    return storage().part_size(sha256), upload.length


def append_chunk(user: User, sha256: str, offset: int, length: int | None, chunk: bytes,
                 source: str = "api") -> tuple[int, int, bool]:
    """PATCH: append ``chunk`` at ``offset``; returns (new offset, length, complete).

    The slow parts (writing the chunk, hashing, the Pillow pipeline) run
    outside any database transaction, so they never hold the writers' lock;
    only the bookkeeping at the end is a recorded transaction.
    """
    if len(chunk) > MAX_CHUNK:
        raise ApiError(413, "chunk_too_large", f"Send at most {MAX_CHUNK} bytes per PATCH.")
    photo_limits = limits()
    upload = db.session.get(PhotoUpload, sha256)
    if upload is None and length is None:
        raise validation_error({"Upload-Length": ["Required on the first chunk."]})
    if upload is not None and length is not None and length != upload.length:
        raise validation_error({"Upload-Length": [f"This upload is {upload.length} bytes long."]})
    total = upload.length if upload is not None else length
    already_stored = upload is not None and upload.state == "stored"
    db.session.rollback()  # end the read: nothing below may hold the database while it works
    if total > photo_limits.max_bytes:
        raise ApiError(413, "too_large", f"Photos may be at most {photo_limits.max_bytes} bytes.",
                       {"Upload-Length": [f"At most {photo_limits.max_bytes}."]})
    if already_stored:
        # The server already has these bytes: done at once, nothing new stored.
        _record_upload(user, sha256, total, source)
        return total, total, True
    if offset + len(chunk) > total:
        raise validation_error({"Upload-Offset": ["The chunk goes past Upload-Length."]})
    try:
        held = storage().put_part(sha256, offset, chunk)
    except OffsetMismatch as mismatch:
        raise ApiError(409, "offset_mismatch", f"The server holds {mismatch.current_size} bytes; resume there.",
                       {"Upload-Offset": [str(mismatch.current_size)]},
                       headers={"Upload-Offset": str(mismatch.current_size)}) from mismatch
    if held < total:
        _record_upload(user, sha256, total, source)
        return held, total, False
    processed, refusal = _finish(sha256, photo_limits)
    _record_upload(user, sha256, total, source, processed=processed, refused=refusal is not None)
    if refusal is not None:
        raise refusal
    return total, total, True


def store_complete(user: User, sha256: str, data: bytes, source: str) -> bool:
    """Store a whole photo held in memory (from an imported file) through the upload path above.

    Only bytes that a photo record the user may see names, and only for a
    role that may upload. Returns False, writing nothing, when the server
    already has them.
    """
    if user.role not in UPLOADERS:
        raise ApiError(403, "forbidden", "This user's role may not upload photos.")
    if not _visible_photo_exists(user, sha256):
        raise ApiError(404, "no_record", "No photo record this user may see names these bytes.")
    upload = db.session.get(PhotoUpload, sha256)
    if upload is not None and upload.state == "stored":
        return False
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
            return True


def _finish(sha256: str, photo_limits: PhotoLimits):
    """Check the hash and run the pipeline on a complete upload; store the derivatives.

    Returns (processed photo, None) or (None, the error to answer). Either way
    the raw bytes are gone afterwards: refused uploads leave nothing behind,
    and accepted ones keep only what the pipeline wrote (no GPS, no EXIF).
    """
    store = storage()
    with store.read_part(sha256) as part:
        data = part.read()
    try:
        if hashlib.sha256(data).hexdigest() != sha256:
            return None, ApiError(422, "hash_mismatch",
                                  "The bytes do not match the sha256 in the URL; the upload was discarded.")
        try:
            processed = process_photo(data, photo_limits)
        except PhotoRejected as rejected:
            return None, ApiError(_REJECTION_STATUS.get(rejected.code, 422), rejected.code, rejected.message)
        store.put(sha256 + SIZES["thumb"], processed.thumb)
        store.put(sha256 + SIZES["display"], processed.display)
        store.put(sha256 + SIZES["original"], processed.original_clean)
        return processed, None
    finally:
        store.discard_part(sha256)


def _record_upload(user: User, sha256: str, length: int, source: str, processed=None, refused: bool = False) -> None:
    """The bookkeeping of an upload step, in one recorded transaction."""
    with changes.recording(user, source):
        upload = db.session.get(PhotoUpload, sha256)
        if upload is None:
            upload = PhotoUpload(sha256=sha256, length=length, state="partial")
            db.session.add(upload)
            db.session.flush()
        if db.session.get(PhotoUploader, (sha256, user.id)) is None:
            db.session.add(PhotoUploader(sha256=sha256, user_id=user.id))
        if refused:
            db.session.flush()
            _mark_records(sha256, "rejected")
            db.session.delete(upload)
        elif processed is not None and upload.state != "stored":
            upload.state, upload.completed_at = "stored", utcnow()
            upload.width, upload.height, upload.captured_at = processed.width, processed.height, processed.captured_at
            upload.stored_bytes = len(processed.thumb) + len(processed.display) + len(processed.original_clean)
            _mark_records(sha256, "stored", upload)


def _mark_records(sha256: str, state: str, upload: PhotoUpload | None = None) -> None:
    for photo in db.session.scalars(select(Photo).where(Photo.sha256 == sha256, Photo.storage_state == "pending")):
        if upload is not None:
            _mark_stored(photo, upload)
        else:
            photo.storage_state = state


def open_photo(user: User, sha256: str, size: str):
    """GET: the bytes of one size, for those who may see a record of this photo."""
    if not _visible_photo_exists(user, sha256):
        raise not_found("photo")
    upload = db.session.get(PhotoUpload, sha256)
    if upload is None or upload.state != "stored":
        raise ApiError(404, "photo_pending", "The photo's bytes have not arrived yet.")
    name = sha256 + SIZES[size]
    return storage().open(name), storage().size(name)
