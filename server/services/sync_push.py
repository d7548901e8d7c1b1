"""Sync push (PROTOCOL.md section 2): exactly-once, in order, one transaction per push."""

from __future__ import annotations

import time
import uuid

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import event, select
from sqlalchemy.exc import DataError, IntegrityError

from server.database import read_apart
from server.errors import ApiError
from server.extensions import db
from server.models import SyncClient, SyncConflict, SyncRejection, SyncState, User, Versioned
from server.models.base import utcnow
from server.schemas.common import parse_uuid
from server.services import changes, entities, operations, push_ahead, records, write_locks
from server.services.operations import SyncOrigin, jsonable
from sync.core import ProtocolError, awaits_earlier_push, check_versions, legacy_finalize, plan_batch


def bound_client(user: User, client_id: str, create: bool, user_agent: str | None = None) -> SyncClient | None:
    """The installation's record, bound to its first user (PROTOCOL.md 1.3)."""
    client = db.session.get(SyncClient, client_id)
    if client is None:
        if not create:
            return None
        client = SyncClient(client_id=client_id, user_id=user.id, last_mutation_id=0,
                            user_agent=(user_agent or "")[:255])
        db.session.add(client)
        db.session.flush()
    elif client.user_id != user.id:
        raise ApiError(403, "client_bound", "This device is registered to another user; log in as them or "
                                            "reinstall the app.")
    if client.revoked_at is not None:
        raise ApiError(403, "client_revoked", "This device was revoked by an administrator.")
    return client


def push(user: User, payload: dict, user_agent: str | None = None, source: str = "sync", bulk: bool = True) -> dict:
    """Apply a push; ``source`` is "import" when the mutations come from an exported file.

    ``bulk=False`` applies one mutation per savepoint: the reference the bulk path is tested against."""
    check_versions(payload["protocol_version"], payload["schema_version"])
    client_id = payload["client_id"]
    # Before the lock: what needs no database, while the client's push before this one may hold it.
    ahead = push_ahead.LoadsAhead(payload["mutations"]) if bulk else push_ahead.NOTHING_AHEAD
    # Pushes confined to different factories run side by side on PostgreSQL (server.services.write_locks).
    confined_to = write_locks.confinement_of_push(user, client_id, payload["mutations"])
    patience = _Patience(current_app.config["PUSH_GAP_WAIT_SECONDS"] if source == "sync" else 0)
    while True:
        try:
            return _push_once(user, payload, user_agent, source, bulk, confined_to, ahead)
        except _GapToWaitOn as gap:
            if not patience.wait():
                raise gap.refusal from None


class _GapToWaitOn(Exception):
    """The push starts past the client's last mutation + 1; the push before it may still be on its way."""

    def __init__(self, refusal: ProtocolError):
        super().__init__(refusal.message)
        self.refusal = refusal


class _Patience:
    """How long a push waits for the one before it (PROTOCOL.md 2.4.1): it looks again after a short sleep,
    doubling up to 50 ms, until ``seconds`` have passed. Each look takes the write lock, so while the earlier
    push holds it a look simply waits for its commit; the sleeps only cover the earlier push's own parsing,
    and a longer one would leave the lock idle after that push commits."""

    def __init__(self, seconds: float):
        self._deadline = time.monotonic() + seconds
        self._pause = 0.005

    def wait(self) -> bool:
        """Sleep before the next look; False once the time is up."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(self._pause, left))
        self._pause = min(self._pause * 2, 0.05)
        return True


def _push_once(user: User, payload: dict, user_agent: str | None, source: str, bulk: bool,
               confined_to: write_locks.Confinement | None, ahead: push_ahead.LoadsAhead) -> dict:
    client_id = payload["client_id"]
    derived = _Derived(client_id)
    with changes.recording(user, source, client_id=client_id, confined_to=confined_to, keep_loaded=True):
        client = bound_client(user, client_id, create=True, user_agent=user_agent)
        try:
            planned = plan_batch(client.last_mutation_id, payload["mutations"])
        except ProtocolError as refusal:
            if awaits_earlier_push(client.last_mutation_id, payload["mutations"]):
                raise _GapToWaitOn(refusal) from None  # rolled back: the lock is free for the push before it
            raise
        duplicates = [item.mutation for item in planned if item.duplicate]
        outcomes = _held_as_sent(client_id, duplicates, _earlier_outcomes(client_id, [m["id"] for m in duplicates]))
        fresh = [item.mutation for item in planned if not item.duplicate]
        applied = apply_batch(user, client, fresh, bulk=bulk, ahead=ahead, derived=derived)
        results = [{"id": item.id, "status": "duplicate", "outcome": outcomes[item.id]} if item.duplicate
                   else applied[item.id] for item in planned]
        if fresh:
            client.last_mutation_id = fresh[-1]["id"]
        client.last_seen_at = utcnow()
        last = client.last_mutation_id
        database_id = db.session.get(SyncState, 1).database_id
    # Committed: the write lock is free for the next push while this answer is written out.
    with read_apart(db.session()):
        derived.serialize()
    return {"last_mutation_id": last, "database_id": database_id, "results": results}


def _earlier_outcomes(client_id: str, mutation_ids: list[int]) -> dict[int, dict]:
    """What became of mutations handled before (PROTOCOL.md 2.3): a retry after a lost answer must
    still learn of a rejection or a conflict. Rejections and conflicts are kept by client and mutation
    id; a mutation with neither was applied."""
    outcomes: dict[int, dict] = {i: {"status": "applied"} for i in mutation_ids}
    if not mutation_ids:
        return outcomes
    for rejection in db.session.scalars(select(SyncRejection).where(
            SyncRejection.client_id == client_id, SyncRejection.mutation_id.in_(mutation_ids))):
        outcomes[rejection.mutation_id] = {"status": "rejected", "code": rejection.code,
                                           "message": rejection.message, "fields": rejection.details or {}}
    for conflict in db.session.scalars(select(SyncConflict).where(
            SyncConflict.client_id == client_id, SyncConflict.mutation_id.in_(mutation_ids))
            .order_by(SyncConflict.at, SyncConflict.id)):
        outcome = outcomes[conflict.mutation_id]
        outcome["status"] = "applied_with_conflicts"
        outcome.setdefault("conflicts", []).append({"id": str(conflict.id), "field": conflict.field})
    return outcomes


def _held_as_sent(client_id: str, duplicates: list[dict], outcomes: dict[int, dict]) -> dict[int, dict]:
    """An applied upsert retried after a lost answer: if its record is still this client's echo, the outcome
    gives the record as the server holds it, which the client keeps as a first answer's `derived` (2.11);
    it is not sent again by pull. Rare (retries only), so the whole record rather than what was filled in."""
    retried = [(mutation, entities.BY_ENTITY[mutation["entity"]]) for mutation in duplicates
               if mutation["entity"] in entities.BY_ENTITY and mutation["op"] == "upsert"
               and outcomes[mutation["id"]]["status"] == "applied"]
    wanted: dict[type, set] = {}
    for mutation, resource in retried:
        wanted.setdefault(resource.model, set()).add(mutation["record_id"])
    for model, ids in wanted.items():  # a whole batch retried reads its records a query per 500, not one by one
        records.prefetch(model, ids)
    for mutation, resource in retried:
        record = records.lookup(resource.model, mutation["record_id"])
        if record is not None and record.echo_client_id == client_id and not record.is_deleted:
            outcomes[mutation["id"]].update(version=record.server_version,
                                            derived=records.replica_schema(resource).dump(record))
    return outcomes


def rejections(user: User, client_id: str) -> list[SyncRejection]:
    """A device's refused mutations (PROTOCOL.md 2.10); another user's device is refused as in 1.3."""
    client = bound_client(user, client_id, create=False)
    if client is None:
        return []
    return list(db.session.scalars(select(SyncRejection).where(SyncRejection.client_id == client_id)
                                   .order_by(SyncRejection.mutation_id)))


# --- applying a batch ---------------------------------------------------------------------------
#
# In bulk: every record the batch names is looked up first (one query per entity and per referenced
# entity), the rules are checked per mutation in memory, and the batch is written in one flush: its new
# records stay out of the session until then and go in a statement per table (changes.add_in_bulk). A
# mutation that breaks a rule is undone in memory and recorded as rejected, and the rest go on. Only when
# the database itself refuses the flush (a constraint the rules did not foresee) is the batch rolled back
# and applied again one mutation per savepoint, to find the culprit.
# Both ways give the same database, audit trail and answers (tests/sync_protocol/test_bulk_push.py).


def apply_batch(user: User, client: SyncClient, mutations: list[dict], bulk: bool, ahead: push_ahead.LoadsAhead,
                derived: _Derived) -> dict[int, dict]:
    """The result of each new mutation, by id, applied in order; ``ahead``, what was loaded before the lock;
    ``derived`` fills in what the server derived for each record, once the push has committed."""
    if not mutations:
        return {}
    # Settled once the whole batch is written: a record written twice in it answers the same both ways.
    results = (_applied_in_bulk(user, client, mutations, ahead) if bulk
               else _applied_one_by_one(user, client, mutations))
    return {mutation_id: derived.settle(result) for mutation_id, result in results.items()}


def _applied_one_by_one(user: User, client: SyncClient, mutations: list[dict]) -> dict[int, dict]:
    return {m["id"]: _apply_one(user, client, m) for m in mutations}


def _applied_in_bulk(user: User, client: SyncClient, mutations: list[dict],
                     ahead: push_ahead.LoadsAhead) -> dict[int, dict]:
    _prefetch(mutations)
    attempt = db.session.begin_nested()
    try:
        db.session.info[records.BULK_KEY] = True
        with db.session.no_autoflush:
            pending = _apply_in_memory(user, client, mutations, ahead)
        db.session.info.pop(records.BULK_KEY, None)
        changes.flush(last=True)
        attempt.commit()
    except (IntegrityError, DataError):
        db.session.info.pop(records.BULK_KEY, None)
        _rollback(attempt)
        return _applied_one_by_one(user, client, mutations)
    finally:
        db.session.info.pop(records.BULK_KEY, None)
    return pending


def _prefetch(mutations: list[dict]) -> None:
    """Load every record the batch names, every record its fields refer to, and every record those it names
    already refer to (an edited defect's inspection, which the rules read), a query per entity and round."""
    named: dict[type, set] = {}
    wanted: dict[type, set] = {}
    for mutation in mutations:
        resource = entities.BY_ENTITY.get(mutation["entity"])
        if resource is None:
            continue
        named.setdefault(resource.model, set()).add(mutation["record_id"])
        fields = mutation.get("fields") or {}
        for name, model in records.foreign_keys_of(resource.model):
            raw = fields.get(name)
            if isinstance(raw, str):
                try:
                    wanted.setdefault(model, set()).add(parse_uuid(raw))  # the schema's cache
                except ValueError:
                    continue  # the schema will name the bad field
    for model, ids in named.items():
        records.prefetch(model, ids)
        for record in filter(None, (records.lookup(model, record_id) for record_id in ids)):
            for name, referenced in records.foreign_keys_of(model):
                value = getattr(record, name)
                if value is not None:
                    wanted.setdefault(referenced, set()).add(value)
    for model, ids in wanted.items():
        records.prefetch(model, ids)


# Entities whose rules query other records of their own kind (a photo record is stored at once when a
# stored record of its hash is visible; a defect review refuses a second review of the same defects): earlier
# mutations of the batch must be in the database first.
_READS_ITS_KIND = frozenset({"photo", "defect_review"})


def _apply_in_memory(user: User, client: SyncClient, mutations: list[dict],
                     ahead: push_ahead.LoadsAhead) -> dict[int, dict]:
    session = db.session()
    touched: set[tuple[str, uuid.UUID]] = set()
    results: dict[int, dict] = {}
    added: list = []

    def _note_added(_session, instance):
        added.append(instance)

    event.listen(session, "transient_to_pending", _note_added)
    try:
        for mutation in mutations:
            key = (mutation["entity"], mutation["record_id"])
            if key in touched or mutation["entity"] in _READS_ITS_KIND:
                # Written before in this batch: flush first, so each mutation keeps an audit entry of its own
                # and its conflicts are judged against what the earlier one wrote, as one by one.
                changes.flush()
            added.clear()
            mark = changes.added_in_bulk()
            try:
                results[mutation["id"]] = {"id": mutation["id"], **_apply(user, client, mutation, ahead)}
                touched.add(key)
            except (ApiError, ValidationError) as exc:
                _undo_in_memory(added + changes.take_back_in_bulk(mark), mutation)
                results[mutation["id"]] = _rejection_of(client, mutation, exc)
    finally:
        event.remove(session, "transient_to_pending", _note_added)
    return results


def _undo_in_memory(added: list, mutation: dict) -> None:
    """Take back what a refused mutation did before it was refused: nothing of it is flushed yet."""
    for instance in list(added):
        if instance in db.session:
            db.session.expunge(instance)
        if hasattr(instance, "server_version"):
            records.forget(instance)
    resource = entities.BY_ENTITY.get(mutation["entity"])
    if resource is not None:
        existing = records.lookup(resource.model, mutation["record_id"])
        if existing is not None and existing in db.session and not db.inspect(existing).pending:
            db.session.expire(existing)  # back to what the database holds


# Kept with a client's echo besides what the server filled in: what a pull would have told it of its record.
_ECHO_BOOKKEEPING = ("created_at", "updated_at", "created_by_id")


class _Derived:
    """Each result with the version its record got when the batch was written, and, for a record stored as its
    client sent it, what the server filled in (defaults, derived values such as an inspection's plan or a
    defect's factory): the client keeps both, and is not sent the record again (PROTOCOL.md 2.11, 3.7).

    Versions and the names of the filled-in fields are noted under the write lock (:meth:`settle`); their
    values are serialized once the push has committed (:meth:`serialize`), the records keeping what they were
    committed with, so the next push need not wait for this answer to be written."""

    def __init__(self, client_id: str):
        self.client_id = client_id
        self._echoes: list[tuple[dict, Versioned, list[str]]] = []

    def settle(self, result: dict) -> dict:
        record = result.pop("record", None)
        if record is not None and "version" in result:
            result["version"] = record.server_version
            if record.echo_client_id == self.client_id:
                self._echoes.append((result, record, sorted(changes.filled_in(record)) + list(_ECHO_BOOKKEEPING)))
        return result

    def serialize(self) -> None:
        # The batch's values already serialized, by field and value object. Most are one object shared by the
        # whole batch (its write time, its author, the factory of an inspection's defects).
        serialized: dict = {}
        for result, record, names in self._echoes:
            schema = records.schema_of(entities.BY_ENTITY[record.__entity__], partial=False)
            result["derived"] = {name: _serialized(schema.fields[name], name, record, serialized)
                                 for name in names if name in schema.fields}


def _serialized(field, name: str, record, serialized: dict):
    # By identity, not equality (equal datetimes in two time zones, or equal decimals of other scales, are
    # written differently); the entry holds the value, so its id is never reused while the batch lasts.
    value = getattr(record, name)  # a column (what the server filled in, or bookkeeping)
    known = serialized.get((field, id(value)))
    if known is not None and known[0] is value:
        return known[1]
    text = field.serialize(name, record)
    serialized[(field, id(value))] = (value, text)
    return text


def _rejection_of(client: SyncClient, mutation: dict, exc: Exception) -> dict:
    if isinstance(exc, ApiError):
        return _reject(client, mutation, exc.code, exc.message, exc.fields)
    return _reject(client, mutation, "validation_error", "The mutation has invalid fields.", exc.messages)


def _apply_one(user: User, client: SyncClient, mutation: dict) -> dict:
    """Apply one mutation inside a savepoint; a permanent failure becomes a recorded rejection."""
    savepoint = db.session.begin_nested()
    try:
        outcome = _apply(user, client, mutation)
        savepoint.commit()
        return {"id": mutation["id"], **outcome}
    except (ApiError, ValidationError) as exc:
        _rollback(savepoint)
        return _rejection_of(client, mutation, exc)
    except DataError:  # a value the column cannot hold that slipped past the schema's bounds: permanent
        _rollback(savepoint)
        return _reject(client, mutation, "validation_error", "A value cannot be stored in its field.", {})
    except IntegrityError:
        _rollback(savepoint)
        return _reject(client, mutation, "conflict", "The change conflicts with existing data.", {})


def _rollback(savepoint) -> None:
    savepoint.rollback()
    # Records looked up inside the failed mutation may have been undone with it.
    db.session.info.pop(changes.PINNED_KEY, None)


def _reject(client: SyncClient, mutation: dict, code: str, message: str, details: dict) -> dict:
    resource = entities.BY_ENTITY.get(mutation["entity"])
    if resource is not None:
        changes.forget_sent(resource.model, mutation["record_id"])
    details = jsonable(details)
    db.session.add(SyncRejection(
        client_id=client.client_id, mutation_id=mutation["id"], entity=mutation["entity"],
        record_id=str(mutation["record_id"]), op=mutation["op"], fields=jsonable(mutation.get("fields")),
        code=code, message=message, details=details))
    return {"id": mutation["id"], "status": "rejected", "code": code, "message": message, "fields": details}


def _apply(user: User, client: SyncClient, mutation: dict,
           ahead: push_ahead.LoadsAhead = push_ahead.NOTHING_AHEAD) -> dict:
    resource = entities.BY_ENTITY.get(mutation["entity"])
    if resource is None:
        raise ApiError(400, "unknown_entity", f"Unknown entity {mutation['entity']!r}.", {"entity": ["Unknown."]})
    record_id: uuid.UUID = mutation["record_id"]
    origin = SyncOrigin(client.client_id, mutation["id"], mutation.get("base_version"))
    fields = dict(mutation.get("fields") or {})
    steps = legacy_finalize(mutation["entity"], mutation["op"], fields) or [(mutation["op"], fields)]
    outcome: dict = {}
    for op, op_fields in steps:
        creating = op == "upsert" and records.lookup(resource.model, record_id) is None
        data = {} if op == "delete" else ahead.take(mutation, op, creating)
        if data is None:
            data = operations.load(resource, op, op_fields, creating=creating)
        if op == "upsert":
            changes.expect_as_sent(resource.model, record_id, data)
        outcome = operations.apply(user, resource, op, record_id, data, origin) | (
            {"conflicts": outcome["conflicts"]} if outcome.get("conflicts") else {})
    result = {"status": "applied_with_conflicts" if outcome.get("conflicts") else "applied",
              "version": outcome["version"], "record": outcome["record"]}
    if outcome.get("conflicts"):
        result["conflicts"] = outcome["conflicts"]
    return result
