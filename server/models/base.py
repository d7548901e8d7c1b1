"""Column types and mixins shared by every domain table.

Every record a phone can create or change carries a client-generatable UUID
key, timestamps, its author and a soft-delete marker, plus two pieces of sync
bookkeeping written only by :mod:`server.services.changes`:

* ``server_version`` -- the server's change counter of the transaction that
  last wrote the row (the pull cursor reads it), and
* ``field_versions`` -- the change counter of each field's last change (the
  sync protocol's field-level conflict detection reads it), and
* ``echo_client_id`` -- the sync client whose push wrote the row last, when the
  server stored it exactly as that client sent it: the client already holds
  this state, so its pulls skip the row (PROTOCOL.md 3.7). Any other write
  clears it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, String, TypeDecorator, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones and hands back naive values; normalising here
    means the rest of the code only ever sees aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Columns that describe the bookkeeping of a row rather than its content: they
# are not audited field by field and never take part in conflicts.
BOOKKEEPING_COLUMNS = frozenset(
    {"id", "created_at", "updated_at", "created_by_id", "server_version", "field_versions", "echo_client_id"}
)


class Versioned:
    """Mixin for domain tables. Writes go through ``server.services.changes``."""

    # Name under which the sync protocol and audit trail know this entity.
    __entity__: str = ""
    # Fields never copied into the audit trail (e.g. password hashes).
    __audit_redacted__: frozenset[str] = frozenset()

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    server_version: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    field_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    echo_client_id: Mapped[str | None] = mapped_column(String(64))

    @declared_attr
    def created_by_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(Uuid, ForeignKey("users.id"), nullable=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
