"""Photo uploads in progress or done, by content hash (the bytes live in photo storage)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class PhotoUpload(db.Model):
    """One content hash: how long it is, and what the pipeline found once it was complete."""

    __tablename__ = "photo_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10), default="partial")  # partial, stored
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    stored_bytes: Mapped[int | None] = mapped_column(BigInteger)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PhotoUploader(db.Model):
    """Who sent (part of) a hash: they may ask how far their upload got."""

    __tablename__ = "photo_uploaders"

    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("photo_uploads.sha256", ondelete="CASCADE"),
                                        primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
