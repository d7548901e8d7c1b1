"""Partial photo uploads: each belongs to the user sending it (sync/PROTOCOL.md 7.3 and 7.7).

A partial is keyed by (sha256, user): another user's chunks, declared length or
wrong bytes never touch it. It expires when no chunk has arrived for
``PHOTO_PARTIAL_TTL_HOURS``: from then on it answers as if it never existed,
and the next upload anyone starts sweeps it (row and bytes) away. While it
lives, the length its first chunk declared counts against its user's
``PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from server.errors import ApiError
from server.extensions import db
from server.models import PhotoPartial, User
from server.models.base import utcnow
from server.services import changes


def key(sha256: str, user_id: uuid.UUID) -> str:
    """The storage key of a user's partial: the hash, then the user's id as two 16-digit labels
    (storage names allow labels of at most 16 characters)."""
    return f"{sha256}.{user_id.hex[:16]}.{user_id.hex[16:]}"


def _storage():
    from server.services.photos import storage  # the app's one storage; photos imports this module

    return storage()


def _cutoff() -> datetime:
    """Partials last touched before this have expired."""
    return utcnow() - timedelta(hours=current_app.config["PHOTO_PARTIAL_TTL_HOURS"])


def live_length(user: User, sha256: str) -> int | None:
    """The declared length of the user's unexpired partial of ``sha256``, or None if there is none."""
    partial = db.session.get(PhotoPartial, (sha256, user.id))
    if partial is None or partial.touched_at < _cutoff():
        return None
    return partial.length


def start(user: User, sha256: str, length: int, source: str) -> int:
    """Open the user's partial of ``sha256``, declared ``length`` bytes long; returns its length.

    Sweeps expired partials first. Refuses (429) a partial that would take the
    user's unfinished uploads past the limit. If a concurrent first chunk of the
    same user opened it meanwhile, that one is kept and its length returned.
    """
    sweep_expired(source)
    limit = current_app.config["PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER"]
    with changes.recording(user, source):  # writers queue here, so the check and the insert are one step
        existing = db.session.get(PhotoPartial, (sha256, user.id))
        if existing is not None and existing.touched_at >= _cutoff():
            return existing.length
        if existing is not None:  # expired after the sweep looked: start it over
            db.session.delete(existing)
            db.session.flush()
        in_flight = db.session.scalar(select(func.coalesce(func.sum(PhotoPartial.length), 0)).where(
            PhotoPartial.user_id == user.id, PhotoPartial.touched_at >= _cutoff()))
        if in_flight + length > limit:
            ttl = current_app.config["PHOTO_PARTIAL_TTL_HOURS"]
            raise ApiError(429, "too_many_bytes_in_flight",
                           f"Your unfinished uploads already declare {in_flight} bytes and one user may have at "
                           f"most {limit} in flight; finish them first (an unfinished upload expires {ttl:g} hours "
                           "after its last chunk).",
                           {"Upload-Length": [f"At most {max(limit - in_flight, 0)} more bytes now."]})
        # Bytes at this key without a row are leftovers of an upload that ended badly: never resume on them.
        _storage().discard_part(key(sha256, user.id))
        db.session.add(PhotoPartial(sha256=sha256, user_id=user.id, length=length))
    return length


def touch(user: User, sha256: str, source: str) -> None:
    """A chunk arrived: the partial lives on (its expiry counts from its last chunk)."""
    with changes.recording(user, source):
        partial = db.session.get(PhotoPartial, (sha256, user.id))
        if partial is not None:
            partial.touched_at = utcnow()


def forget(user: User, sha256: str) -> None:
    """Drop the user's partial row, inside the caller's recorded transaction (its bytes are gone already)."""
    partial = db.session.get(PhotoPartial, (sha256, user.id))
    if partial is not None:
        db.session.delete(partial)


def sweep_expired(source: str) -> int:
    """Discard every expired partial, bytes first, then rows; returns how many.

    Bytes go first so that a crash in between leaves rows without bytes (swept
    next time) rather than bytes no row leads to.
    """
    expired = db.session.execute(
        select(PhotoPartial.sha256, PhotoPartial.user_id).where(PhotoPartial.touched_at < _cutoff())).all()
    db.session.rollback()
    if not expired:
        return 0
    for sha256, user_id in expired:
        _storage().discard_part(key(sha256, user_id))
    with changes.recording(None, source):
        for sha256, user_id in expired:
            partial = db.session.get(PhotoPartial, (sha256, user_id))
            if partial is not None and partial.touched_at < _cutoff():
                db.session.delete(partial)
    return len(expired)
