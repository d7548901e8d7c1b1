"""Photo uploads by content hash: each user's partial uploads, the stored photos, and who proved possession.

The bytes live in photo storage; these tables say whose they are.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class PhotoUpload(db.Model):
    """A hash whose bytes are stored: how long they were, and what the pipeline found.

    A row exists only once valid bytes have arrived; uploads in progress are ``PhotoPartial``.
    """

    __tablename__ = "photo_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    stored_bytes: Mapped[int | None] = mapped_column(BigInteger)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PhotoUploader(db.Model):
    """A user who uploaded valid bytes of a stored hash: they have proven they hold the photo."""

    __tablename__ = "photo_uploaders"

    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("photo_uploads.sha256", ondelete="CASCADE"),
                                        primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhotoPartial(db.Model):
    """One user's upload of a hash in progress. Nobody else's chunks, length or mistakes touch it.

    ``length`` is the Upload-Length its first chunk declared; it counts against the
    user's bytes in flight until the upload completes, fails or expires
    (``touched_at``, the last chunk, older than the partial lifetime).
    """

    __tablename__ = "photo_partials"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
