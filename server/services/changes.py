"""The one change-recording path.

Every write to a domain table -- from the API, a sync push, the CLI, an import
or server automation -- happens inside :func:`recording`. In the same
transaction it

1. takes its write locks (:mod:`server.services.write_locks`): on PostgreSQL
   a writer runs alone unless it declared the factories it is confined to,
2. takes the next value of the server's change counter -- and with it the
   counter row's lock, held until commit -- as late as it can: when it first
   writes a domain row (or asks for ``context.version``), not when it begins,
3. stamps that value on every written row as ``server_version`` and on each
   changed field in ``field_versions``,
4. appends an audit entry per row: table, record, fields old -> new, actor,
   source, time.

Why the counter may be taken late and pulls still never skip a change (PROTOCOL.md 3.3): what
makes the cursor gap-free is only that a transaction holds the counter row's lock from the moment
it takes its number until it commits, so numbers become visible in commit order. When in the
transaction the number is taken does not matter, as long as every row it stamps is written in that
same transaction: a transaction reads, validates and checks in memory without it, and the number is
taken right before its first write to a domain table. The counter no longer serialises a writer's
reads; the write locks of step 1 do (see that module for why the reads of two writers confined to
different factories cannot interfere).

A flush that touches a domain table outside :func:`recording` is refused, as
is a hard delete: records are soft-deleted so that phones learn of deletes.
"""

from __future__ import annotations

import decimal
import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, instance_state
from sqlalchemy.orm.util import identity_key

from server.bulk_insert import insert_rows
from server.database import commit_keeping_loaded, declare_write_intent, reset_write_intent
from server.extensions import db
from server.models import AuditEntry, SyncState, Versioned
from server.models.base import BOOKKEEPING_COLUMNS, utcnow
from server.models.vocab import CHANGE_SOURCES
from server.services import write_locks

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


class ChangeContext:
    """Who writes, from where; and the transaction's change counter value, taken on first use."""

    def __init__(self, session: Session, actor_id: uuid.UUID | None, source: str, client_id: str | None):
        self.actor_id = actor_id
        self.source = source
        self.client_id = client_id
        self._session = session
        self._version: int | None = None
        # The savepoints open when the counter was taken: rolling back any of them undoes the increment
        # and, on PostgreSQL, releases the row lock, so the number must be taken again.
        self._taken_inside: set = set()

    @property
    def version(self) -> int:
        """The number every row this transaction writes is stamped with.

        The first use increments the counter row and so locks it until commit: ask for it only to
        write (the flush hook does; so may a bulk Core insert), after the reads and checks."""
        if self._version is None:
            self._version = _next_change_counter(self._session)
            savepoint = self._session.get_nested_transaction()
            while savepoint is not None and savepoint.nested:
                self._taken_inside.add(savepoint)
                savepoint = savepoint.parent
        return self._version

    def rolled_back(self, transaction) -> None:
        if transaction in self._taken_inside:
            self._version = None
            self._taken_inside.clear()


def current_context(session: Session | None = None) -> ChangeContext | None:
    return (session or db.session()).info.get(_CONTEXT_KEY)


@contextmanager
def recording(actor, source: str, client_id: str | None = None,
              confined_to: write_locks.Confinement | None = None, keep_loaded: bool = False) -> Iterator[ChangeContext]:
    """Run the block as one recorded, committed transaction.

    ``actor`` is the acting ``User`` (or None for the system itself).
    ``confined_to`` lets a writer that reads and writes only the records of some factories run
    beside writers of other factories (:func:`write_locks.confinement_of_push`); without it the
    writer runs alone. Commits on success, rolls back on any exception.
    ``keep_loaded``: the objects keep the values they were committed with, for a caller that reads them once
    the write lock is free (a push serializing its answer) instead of loading them again.
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
        context = ChangeContext(session, actor_id=actor_id, source=source, client_id=client_id)
        session.info[_CONTEXT_KEY] = context
        try:
            write_locks.take(session, confined_to)
            yield context
            flush()
            commit_keeping_loaded(session) if keep_loaded else session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.info.pop(_CONTEXT_KEY, None)
        for key in [k for k in session.info if k.startswith(CACHE_PREFIX)]:
            session.info.pop(key, None)
        reset_write_intent(token)


def _next_change_counter(session: Session) -> int:
    """Increment the counter row; the row lock is held until commit.

    A Core statement on the session's connection, so that the flush hook may call it mid-flush."""
    result = session.connection().execute(
        update(SyncState.__table__)
        .where(SyncState.__table__.c.id == 1)
        .values(change_counter=SyncState.__table__.c.change_counter + 1)
        .returning(SyncState.__table__.c.change_counter)
    ).scalar_one_or_none()
    if result is None:
        raise RuntimeError("sync_state is missing its row: run `flask --app server db upgrade`")
    loaded = session.identity_map.get(identity_key(SyncState, 1))
    if loaded is not None:  # a Core statement leaves the session's copy of the row as it was read
        session.expire(loaded, ["change_counter"])
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
    if not event.contains(session_class, "after_soft_rollback", _after_rollback):
        event.listen(session_class, "after_soft_rollback", _after_rollback)


def _after_rollback(session: Session, transaction) -> None:
    session.info.pop(_IN_BULK_KEY, None)  # made by the work rolled back
    context: ChangeContext | None = session.info.get(_CONTEXT_KEY)
    if context is not None:
        context.rolled_back(transaction)


def _before_flush(session: Session, _flush_context, _instances) -> None:
    if session.info.get(_IN_BULK_KEY):
        _insert_in_bulk(session)
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
    _number_and_audit(session, context, [s for s in (_stamp(session, record, context, now) for record in written)
                                         if s is not None])


def _number_and_audit(session: Session, context: ChangeContext, stamped: list[tuple[Versioned, list[str], dict]]):
    """Number stamped records and their audit entries with the transaction's change counter, and insert the
    entries."""
    if not stamped:
        return
    # The counter is taken only now, after the checks and the audit entries are made, right before the rows are
    # written (its lock is held from here to commit, PROTOCOL.md 3.3).
    version = context.version
    for record, changed, entry in stamped:
        state = instance_state(record)
        if state.transient or state.pending:  # a new record: into its instance dict, as in _stamp
            state.dict["server_version"] = version
            state.dict["field_versions"] = {**(state.dict.get("field_versions") or {}), **dict.fromkeys(changed, version)}
        else:
            record.server_version = version
            record.field_versions = {**(record.field_versions or {}), **dict.fromkeys(changed, version)}
        entry["version"] = version
    # One multi-row INSERT rather than an ORM object per entry: a push writes thousands of them. An entry names
    # its record by id only (no foreign key), so it may go in before the records of this flush.
    insert_rows(session.connection(), AuditEntry.__table__, [entry for _record, _changed, entry in stamped])


# --- new records written in bulk ----------------------------------------------------------
#
# A sync push's batch (and an order import) creates thousands of records. They are kept out of the session
# while the rules run, and the next flush inserts them first, one statement per table in foreign-key order,
# stamped and audited as the flush hook does any record; then they join the session as stored records. The
# unit of work's bookkeeping per object was most of the time such a batch took to write.

_IN_BULK_KEY = CACHE_PREFIX + "new_in_bulk"


def add_in_bulk(record: Versioned) -> None:
    """A new record, inserted at the next flush with the others added so."""
    db.session.info.setdefault(_IN_BULK_KEY, []).append(record)


def flush(last: bool = False) -> None:
    """Flush the session, the records added in bulk first. A session holding nothing else is clean, and its own
    flush would not write them: services flush through this.

    ``last``: the caller reads the new records but writes none of them again in this transaction (a push's batch
    is written), so they need not join the session; lookups read them from the database from now on."""
    session = db.session()
    if session.info.get(_IN_BULK_KEY):
        _insert_in_bulk(session, keep_in_session=not last)
    session.flush()


def added_in_bulk() -> int:
    """How many new records wait for the next flush: a mark for :func:`take_back_in_bulk`."""
    return len(db.session.info.get(_IN_BULK_KEY, ()))


def take_back_in_bulk(mark: int) -> list[Versioned]:
    """Drop the records added since ``mark`` (a refused mutation's), and return them."""
    waiting = db.session.info.get(_IN_BULK_KEY, [])
    dropped = waiting[mark:]
    del waiting[mark:]
    return dropped


def _insert_in_bulk(session: Session, keep_in_session: bool = True) -> None:
    records = session.info.pop(_IN_BULK_KEY)
    context: ChangeContext | None = session.info.get(_CONTEXT_KEY)
    if context is None:
        raise UnrecordedWriteError("records added in bulk outside server.services.changes.recording()")
    now = utcnow()
    _number_and_audit(session, context, [_stamp(session, record, context, now) for record in records])
    by_model: dict[type, list[Versioned]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    connection = session.connection()
    # Rows that name other new rows go after them: tables in foreign-key order, rows of one table in the order
    # they were made (a record can only name one made before it).
    for model in sorted(by_model, key=_insert_rank):
        insert_rows(connection, model.__table__, [_row(record) for record in by_model[model]])
    pinned = session.info.get(PINNED_KEY, {})
    for record in records:
        if keep_in_session:
            make_transient_to_detached(record)  # stored now: what it holds is what the database holds
            session.add(record)
        else:
            pinned.pop((type(record), record.id), None)  # a change to it would be lost: look it up again


def _row(record: Versioned) -> dict:
    values = instance_dict(record)
    for key in _column_keys(type(record)):
        values.setdefault(key, None)  # loaded as NULL, rather than expired (a query) once the record is stored
    return {column: values[key] for key, column in _insert_columns(type(record))}


@functools.cache
def _insert_columns(model: type) -> tuple[tuple[str, str], ...]:
    """(attribute, column) of each column a model maps."""
    return tuple((attr.key, attr.columns[0].key) for attr in inspect(model).column_attrs)


@functools.cache
def _insert_rank(model: type) -> int:
    return db.metadata.sorted_tables.index(model.__table__)


def _stamp(session: Session, record: Versioned, context: ChangeContext,
           now: datetime) -> tuple[Versioned, list[str], dict] | None:
    """Fill a written record's bookkeeping and make its audit entry (None when nothing changed); the caller
    numbers both."""
    state = instance_state(record)  # not inspect(): a push stamps thousands of records, and this is its hot path
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

    # A new record's bookkeeping goes straight into its instance dict, as its other values (fill_new): it has no
    # history to keep. A stored one's goes through the attribute events its UPDATE needs.
    put = values.__setitem__ if is_new else functools.partial(setattr, record)
    if is_new:
        if values.get("id") is None:
            values["id"] = uuid.uuid4()
        values["created_at"] = values.get("created_at") or now
        if values.get("created_by_id") is None:
            values["created_by_id"] = context.actor_id
    put("updated_at", now)
    put("echo_client_id", _echo_client(session, record, context, changes, is_new))

    if "deleted_at" in changes and changes["deleted_at"][1] is not None:
        action = "delete"
    elif is_new:
        action = "insert"
    else:
        action = "update"
    redacted = type(record).__audit_redacted__
    return record, list(changes), {
        "table_name": type(record).__tablename__, "record_id": record.id, "action": action,
        "changes": {k: [REDACTED, REDACTED] if k in redacted else [to_json_value(o), to_json_value(n)]
                    for k, (o, n) in changes.items()},
        "actor_id": context.actor_id, "source": context.source, "client_id": context.client_id, "at": now,
    }


@functools.cache
def _column_keys(model: type) -> frozenset[str]:
    return frozenset(attr.key for attr in inspect(model).column_attrs)


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
    # A new record holds all its values in its instance dict; a stored one may have fields not loaded.
    stored = instance_dict(record).get if is_new else functools.partial(getattr, record)
    if any(stored(key) != value for key, value in sent.items()):
        return None  # a field kept against the client's value (a conflict) or normalised by the server
    filled = session.info.setdefault(_FILLED_KEY, {}).setdefault((type(record), record.id), set())
    filled.update(key for key in changed if key not in sent)
    return context.client_id


def apply_defaults(record: Versioned) -> None:
    """Fill column defaults now rather than at INSERT, so the audit entry and
    field versions of a new record describe every field it starts with."""
    values = instance_dict(record)
    fill_new(record, {key: default.arg if default.is_scalar else default.arg(None)
                      for key, default in _column_defaults(type(record)) if values.get(key) is None})


def fill_new(record: Versioned, data: dict) -> None:
    """Set fields of a record that is not stored yet. Its columns go straight into its instance dict, which is what
    the INSERT reads: the attribute events only keep the history of stored records, and a push sets a dozen fields
    on each of thousands of new records. Anything else (a property's setter) is set as an attribute."""
    values = instance_dict(record)
    columns = _column_keys(type(record))
    for key, value in data.items():
        if key in columns:
            values[key] = value
        else:
            setattr(record, key, value)


@functools.cache
def _column_defaults(model: type) -> tuple:
    """(attribute, default) of each column with a Python-side default; read once per model."""
    return tuple((attr.key, attr.columns[0].default) for attr in inspect(model).column_attrs
                 if attr.columns[0].default is not None
                 and (attr.columns[0].default.is_scalar or attr.columns[0].default.is_callable))


# Values JSON holds as they are: most of what an audit entry holds, so told apart by their exact type first.
_JSON_AS_IS = frozenset({str, int, float, bool, type(None), dict, list})


def to_json_value(value: Any) -> Any:
    if type(value) in _JSON_AS_IS:
        return value
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
