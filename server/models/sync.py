"""Sync bookkeeping: client installations, rejected mutations and field conflicts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class SyncClient(db.Model):
    """One app installation, bound to the first user who synced with it."""

    __tablename__ = "sync_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    # The last mutation handled (applied, rejected or skipped), stored in the push's own transaction.
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # What the user could see at the last pull; a change makes the next pull answer reset.
    scope_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by an admin for a lost device (server/services/devices.py): push and pull then answer 403 client_revoked.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The admin who revoked it. No foreign key: SQLite can add one to an existing table only by rebuilding it,
    # which fails while sync_rejections point at its rows; users are never hard-deleted anyway.
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_agent: Mapped[str | None] = mapped_column(String(255))


class SyncRejection(db.Model):
    """A mutation that could never apply, kept so that nothing is lost silently."""

    __tablename__ = "sync_rejections"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(64), ForeignKey("sync_clients.client_id"), index=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(10))
    fields: Mapped[dict | None] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncConflict(db.Model):
    """An incoming field value that lost to a newer stored one, until someone resolves it."""

    __tablename__ = "sync_conflicts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    factory_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    field: Mapped[str] = mapped_column(String(64))
    stored_value: Mapped[object | None] = mapped_column(JSON)
    incoming_value: Mapped[object | None] = mapped_column(JSON)
    stored_version: Mapped[int] = mapped_column(BigInteger)
    base_version: Mapped[int | None] = mapped_column(BigInteger)
    client_id: Mapped[str] = mapped_column(String(64))
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(10))
