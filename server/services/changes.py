"""The one change-recording path.

Every write to a domain table -- from the API, a sync push, the CLI, an import
or server automation -- happens inside :func:`recording`. In the same
transaction it

1. takes the next value of the server's change counter (and with it the row
   lock that serialises writers, see :class:`server.models.SyncState`),
2. stamps that value on every written row as ``server_version`` and on each
   changed field in ``field_versions``,
3. appends an audit entry per row: table, record, fields old -> new, actor,
   source, time.

A flush that touches a domain table outside :func:`recording` is refused, as
is a hard delete: records are soft-deleted so that phones learn of deletes.
"""

from __future__ import annotations

import decimal
import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect, update
from sqlalchemy.orm import Session

from server.database import declare_write_intent, reset_write_intent
from server.extensions import db
from server.models import AuditEntry, SyncState, Versioned
from server.models.base import BOOKKEEPING_COLUMNS, utcnow
from server.models.vocab import CHANGE_SOURCES

_CONTEXT_KEY = "seamline.change_context"
# Caches that live as long as one recorded transaction (session.info keys with this prefix).
CACHE_PREFIX = "seamline.cache."
# Records looked up while checking references, kept for the transaction (see records.lookup).
PINNED_KEY = CACHE_PREFIX + "pinned"
# What a sync client sent for each record it writes in this transaction (see expect_as_sent).
_SENT_KEY = CACHE_PREFIX + "sent"
REDACTED = "[redacted]"


class UnrecordedWriteError(RuntimeError):
    """A domain table was written outside the change-recording path."""


@dataclass(frozen=True)
class ChangeContext:
    actor_id: uuid.UUID | None
    source: str
    client_id: str | None
    version: int


def current_context(session: Session | None = None) -> ChangeContext | None:
    return (session or db.session()).info.get(_CONTEXT_KEY)


@contextmanager
def recording(actor, source: str, client_id: str | None = None) -> Iterator[ChangeContext]:
    """Run the block as one recorded, committed transaction.

    ``actor`` is the acting ``User`` (or None for the system itself).
    Commits on success, rolls back on any exception.
    """
    if source not in CHANGE_SOURCES:
        raise ValueError(f"unknown change source {source!r}")
    session = db.session()
    if _CONTEXT_KEY in session.info:
        raise RuntimeError("recording() blocks do not nest; pass the context down instead")
    actor_id = actor.id if actor is not None else None
    if session.in_transaction():
        # End the read-only transaction so the next one starts as a writer
        # (SQLite: BEGIN IMMEDIATE) and reads fresh data under the lock.
        if session.new or session.dirty or session.deleted:
            raise UnrecordedWriteError("pending changes made before recording() began")
        session.commit()
    token = declare_write_intent()
    try:
        version = _next_change_counter(session)
        context = ChangeContext(actor_id=actor_id, source=source, client_id=client_id, version=version)
        session.info[_CONTEXT_KEY] = context
        try:
            yield context
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.info.pop(_CONTEXT_KEY, None)
        for key in [k for k in session.info if k.startswith(CACHE_PREFIX)]:
            session.info.pop(key, None)
        reset_write_intent(token)


def _next_change_counter(session: Session) -> int:
    """Increment the counter row; the row lock is held until commit."""
    result = session.execute(
        update(SyncState)
        .where(SyncState.id == 1)
        .values(change_counter=SyncState.change_counter + 1)
        .returning(SyncState.change_counter)
    ).scalar_one_or_none()
    if result is None:
        raise RuntimeError("sync_state is missing its row: run `flask --app server db upgrade`")
    return result


def soft_delete(record: Versioned) -> None:
    """Mark a record deleted. Deleted records stay, as tombstones."""
    if record.deleted_at is None:
        record.deleted_at = utcnow()


# --- the flush hook ---------------------------------------------------------------------


def install(session_class) -> None:
    """Attach the recording hook to a session class (the app's scoped session)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)


def _before_flush(session: Session, _flush_context, _instances) -> None:
    written = [o for o in session.new if isinstance(o, Versioned)]
    written += [o for o in session.dirty if isinstance(o, Versioned) and session.is_modified(o)]
    hard_deleted = [o for o in session.deleted if isinstance(o, Versioned)]
    if hard_deleted:
        raise UnrecordedWriteError(
            f"hard delete of {type(hard_deleted[0]).__name__} refused: use changes.soft_delete()"
        )
    if not written:
        return
    context: ChangeContext | None = session.info.get(_CONTEXT_KEY)
    if context is None:
        raise UnrecordedWriteError(
            f"write to {type(written[0]).__tablename__} outside server.services.changes.recording()"
        )
    now = utcnow()
    audit = [entry for record in written if (entry := _stamp(session, record, context, now)) is not None]
    if audit:
        # One multi-row INSERT rather than an ORM object per entry: a push writes thousands of them. An entry names
        # its record by id only (no foreign key), so it may go in before the records of this flush.
        session.connection().execute(insert(AuditEntry.__table__), audit)


def _stamp(session: Session, record: Versioned, context: ChangeContext, now: datetime) -> dict | None:
    """Stamp one written record; returns its audit entry (None when nothing changed)."""
    state = inspect(record)
    is_new = state.transient or state.pending
    changes: dict[str, list[Any]] = {}
    if is_new:
        apply_defaults(record)
        values = state.dict  # a new record's values are all in its instance dict: no attribute machinery
        for key in _content_keys(type(record)):
            value = values.get(key)
            if value is not None:
                changes[key] = [None, value]
    else:
        content = _content_keys(type(record))
        for key in [k for k in state.committed_state if k in content]:  # only the attributes set since loading
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[key] = [old, new]
        if not changes:
            return None

    if is_new:
        if record.id is None:
            record.id = uuid.uuid4()
        record.created_at = record.created_at or now
        if record.created_by_id is None:
            record.created_by_id = context.actor_id
    record.updated_at = now
    record.server_version = context.version
    versions = dict(record.field_versions or {})
    for key in changes:
        versions[key] = context.version
    record.field_versions = versions
    record.echo_client_id = _echo_client(session, record, context, changes, is_new)

    if "deleted_at" in changes and changes["deleted_at"][1] is not None:
        action = "delete"
    elif is_new:
        action = "insert"
    else:
        action = "update"
    redacted = type(record).__audit_redacted__
    return {
        "version": context.version, "table_name": type(record).__tablename__, "record_id": record.id,
        "action": action,
        "changes": {k: [REDACTED, REDACTED] if k in redacted else [to_json_value(o), to_json_value(n)]
                    for k, (o, n) in changes.items()},
        "actor_id": context.actor_id, "source": context.source, "client_id": context.client_id, "at": now,
    }


@functools.cache
def _content_keys(model: type) -> tuple[str, ...]:
    """The attributes of a model that are content, audited field by field (not bookkeeping), in column order."""
    return tuple(attr.key for attr in inspect(model).column_attrs if attr.key not in BOOKKEEPING_COLUMNS)


# --- no echo (PROTOCOL.md 2.11, 3.7) ----------------------------------------------------

# The fields the server filled in (defaults, derived values) of each record written as its client's echo.
_FILLED_KEY = CACHE_PREFIX + "filled"


def expect_as_sent(model: type, record_id: uuid.UUID, fields: dict) -> None:
    """Sync push, before applying a client's upsert: these are the fields it sent. If every one is then stored as
    sent, the record is that client's echo: the push answer gives it what the server filled in, and its pulls
    skip the record."""
    db.session.info.setdefault(_SENT_KEY, {})[(model, record_id)] = fields


def forget_sent(model: type, record_id: uuid.UUID) -> None:
    """The upsert was refused: whatever writes the record next is not it."""
    db.session.info.get(_SENT_KEY, {}).pop((model, record_id), None)


def filled_in(record: Versioned) -> set[str]:
    """The fields the server filled in for a record written as its client's echo in this transaction."""
    return db.session.info.get(_FILLED_KEY, {}).get((type(record), record.id), set())


def _echo_client(session: Session, record: Versioned, context: ChangeContext, changed: dict, is_new: bool):
    """The client this write is an echo of, or None: then every client, its writer too, pulls the record."""
    sent = session.info.get(_SENT_KEY, {}).pop((type(record), record.id), None)
    if sent is None or context.client_id is None:
        return None
    # An update is an echo only on top of the state the client itself left: had anyone else written the record
    # since, the client would miss that change (its pulls skip the record).
    if not is_new and record.echo_client_id != context.client_id:
        return None
    if any(getattr(record, key) != value for key, value in sent.items()):
        return None  # a field kept against the client's value (a conflict) or normalised by the server
    filled = session.info.setdefault(_FILLED_KEY, {}).setdefault((type(record), record.id), set())
    filled.update(key for key in changed if key not in sent)
    return context.client_id


def apply_defaults(record: Versioned) -> None:
    """Fill column defaults now rather than at INSERT, so the audit entry and
    field versions of a new record describe every field it starts with."""
    values = inspect(record).dict
    for key, default in _column_defaults(type(record)):
        if values.get(key) is not None:
            continue
        setattr(record, key, default.arg if default.is_scalar else default.arg(None))


@functools.cache
def _column_defaults(model: type) -> tuple:
    """(attribute, default) of each column with a Python-side default; read once per model."""
    return tuple((attr.key, attr.columns[0].default) for attr in inspect(model).column_attrs
                 if attr.columns[0].default is not None
                 and (attr.columns[0].default.is_scalar or attr.columns[0].default.is_callable))


def to_json_value(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
