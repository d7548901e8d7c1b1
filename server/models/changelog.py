"""The server's change counter and the audit trail.

Both are written only by :mod:`server.services.changes`, inside the same
transaction as the change they describe.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class SyncState(db.Model):
    """A single row: the change counter and this database's identity.

    Every writing transaction increments ``change_counter`` right before its
    first write and holds the row lock until it commits. Numbered writers are
    therefore serialised and counters become visible in commit order, so a
    reader that has seen counter N has seen every change numbered N or less:
    the pull cursor can never skip a change committed late by a concurrent
    transaction. (What a writer reads before it takes its number is kept
    consistent by server.services.write_locks.)
    ``database_id`` changes when a database is restored from backup, so that
    clients know to re-pull and re-push.
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_counter: Mapped[int] = mapped_column(BigInteger, default=0)
    database_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    # Tombstones at or below this counter may have been purged; older pull cursors get reset.
    tombstones_purged_through: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    action: Mapped[str] = mapped_column(String(10))  # insert, update, delete
    # {"field": [old, new], ...}; redacted fields appear as "[redacted]".
    changes: Mapped[dict] = mapped_column(JSON)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
