"""Operations on records: the one function REST and sync push both call to change anything.

An operation is named (``create``, ``update``, ``upsert``, ``delete``, or one a
resource declares in its registry entry, such as an inspection's ``finalize``),
and :func:`apply` runs it with every rule that goes with it: the role the
registry names for it, factory scope, immutable fields, field-level conflicts
for sync clients, and the resource's own rules. REST views call
:func:`perform`, which wraps :func:`apply` in one recorded transaction; sync
push calls :func:`apply` inside the push's own transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from server.authz import can_see_factory
from server.errors import ApiError, validation_error
from server.extensions import db
from server.models import AuditEntry, SyncConflict, SyncRejection, User, Versioned
from server.services import changes, records
from server.services.records import Resource
from sync.core import decide_fields

GENERIC_OPERATIONS = ("create", "update", "upsert", "delete")


@dataclass(frozen=True)
class SyncOrigin:
    """Where a pushed mutation came from: needed to detect conflicts and to keep them."""

    client_id: str
    mutation_id: int
    base_version: int | None


def perform(user: User, resource: Resource, op: str, record_id: uuid.UUID | None, data: dict,
            source: str = "api") -> Versioned:
    """One operation as its own recorded transaction (the REST path); returns the record afterwards."""
    with changes.recording(user, source):
        outcome = apply(user, resource, op, record_id, data)
        record_id = outcome["record"].id
    return db.session.get(resource.model, record_id)


def load(resource: Resource, op: str, fields: dict, creating: bool) -> dict:
    """Validate an operation's fields with the schema the registry names (raises marshmallow's error)."""
    if op in GENERIC_OPERATIONS:
        return records.schema_of(resource, partial=not creating).load(fields)
    return resource.operation(op).schema().load(fields)


def apply(user: User, resource: Resource, op: str, record_id: uuid.UUID | None, data: dict,
          origin: SyncOrigin | None = None) -> dict:
    """Apply one operation inside the caller's recorded transaction.

    Returns ``{"status", "version", "record", "conflicts"?}``; raises :class:`ApiError` for a
    change that can never apply (the caller rolls back its effects).
    """
    record = records.lookup(resource.model, record_id) if record_id is not None else None
    if op == "create":
        if record is not None:
            raise ApiError(409, "already_exists", f"A {resource.label} with this id already exists.",
                           {"id": ["Taken."]})
        return _create(user, resource, record_id, data)
    if record is not None and resource.scoped and not can_see_factory(user, records.factory_of(record)):
        # Out of scope: answered exactly as if it did not exist.
        raise ApiError(404, "not_found", f"No such {resource.label}.")
    if op == "upsert" and record is None:
        return _create(user, resource, record_id, data)
    if op == "delete" and not (origin is None and record is not None and record.is_deleted):
        return _delete(user, resource, record, record_id, origin)
    if record is None or (record.is_deleted and op != "upsert"):
        raise ApiError(404, "not_found", f"No such {resource.label}.")
    if record.is_deleted:
        raise ApiError(409, "deleted", f"This {resource.label} was deleted; the change cannot apply.")
    if op == "update" and data.get("id", record.id) != record.id:
        raise validation_error({"id": ["Does not match the record in the URL."]})
    if op in ("update", "upsert"):
        return _update(user, resource, record, data, origin)
    operation = resource.operation(op)
    _require_role(user, operation.roles, op, resource)
    operation.apply(record, data)
    changes.flush()
    return {"status": "applied", "version": record.server_version, "record": record}


def _create(user: User, resource: Resource, record_id: uuid.UUID | None, data: dict) -> dict:
    _require_role(user, resource.create, "create", resource)
    if record_id is not None:
        data = {**data, "id": record_id}
    record = records.apply_create(resource, user, data)
    return {"status": "applied", "version": record.server_version, "record": record}


def _update(user: User, resource: Resource, record: Versioned, data: dict, origin: SyncOrigin | None) -> dict:
    data = {k: v for k, v in data.items() if k != "id"}
    if not data:
        return {"status": "applied", "version": record.server_version, "record": record}
    _require_role(user, resource.update, "change", resource)
    # Checked before conflicts: a field that may never change is refused, not parked as a conflict nobody
    # could resolve.
    records.refuse_immutable_changes(resource, record, data)
    if origin is None:
        records.apply_update(resource, user, record, data)
        return {"status": "applied", "version": record.server_version, "record": record}
    stored = {k: getattr(record, k) for k in data}
    own = _fields_last_written_by(origin.client_id, record, data, origin.base_version)
    decision = decide_fields(data, stored, record.field_versions or {}, origin.base_version, own)
    conflicts = []
    for field, incoming in decision.conflicts.items():
        conflict = SyncConflict(
            entity=resource.entity, record_id=record.id, factory_id=getattr(record, "factory_id", None),
            field=field, stored_value=jsonable(stored[field]), incoming_value=jsonable(incoming),
            stored_version=(record.field_versions or {}).get(field, 0), base_version=origin.base_version,
            client_id=origin.client_id, mutation_id=origin.mutation_id, user_id=user.id)
        db.session.add(conflict)
        changes.flush()
        conflicts.append({"id": str(conflict.id), "field": field})
    if decision.apply:
        records.apply_update(resource, user, record, decision.apply)
    if conflicts:
        return {"status": "applied_with_conflicts", "version": record.server_version, "record": record,
                "conflicts": conflicts}
    return {"status": "applied", "version": record.server_version, "record": record}


def _delete(user: User, resource: Resource, record: Versioned | None, record_id: uuid.UUID | None,
            origin: SyncOrigin | None) -> dict:
    if record is None:
        if origin is not None and _create_was_refused(origin.client_id, resource.entity, record_id):
            # The server never received this record (its creation was refused): deleting it on the phone
            # leaves nothing to do, and must not add a second rejection for the same record.
            return {"status": "applied", "version": None, "record": None}
        raise ApiError(404, "not_found", f"No such {resource.label}.")
    _require_role(user, resource.delete, "delete", resource)
    if not record.is_deleted:
        records.apply_delete(record)
    return {"status": "applied", "version": record.server_version, "record": record}


def _create_was_refused(client_id: str, entity: str, record_id: uuid.UUID | None) -> bool:
    if record_id is None or records.lookup(_model_of(entity), record_id) is not None:
        return False
    changes.flush()  # a rejection earlier in the same bulk batch counts
    return db.session.scalar(
        select(SyncRejection.id).where(SyncRejection.client_id == client_id, SyncRejection.entity == entity,
                                       SyncRejection.record_id == str(record_id), SyncRejection.op == "upsert")
        .limit(1)) is not None


def _model_of(entity: str):
    from server.services.entities import BY_ENTITY

    return BY_ENTITY[entity].model


def _fields_last_written_by(client_id: str, record: Versioned, data: dict, base_version: int | None) -> set[str]:
    """Fields whose latest change came from this same client: its own edits never conflict. Only a field changed
    since the client's base version can conflict, so only those are looked up (none, for an edit on top of the
    version the client holds)."""
    stored = record.field_versions or {}
    versions = {f: stored.get(f) for f in data if (stored.get(f) or 0) > (base_version or 0)}
    wanted = {v for v in versions.values() if v}
    if not wanted:
        return set()
    own_versions = set(db.session.scalars(
        select(AuditEntry.version).where(AuditEntry.record_id == record.id, AuditEntry.version.in_(wanted),
                                         AuditEntry.client_id == client_id)))
    return {f for f, v in versions.items() if v in own_versions}


def _require_role(user: User, roles: tuple[str, ...], verb: str, resource: Resource) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", f"Your role may not {verb} a {resource.label}.")


def jsonable(value: Any, depth: int = 0) -> Any:
    """A value as JSON can hold it, for conflicts and rejections kept in the database.

    Bounded in depth: what a client sent is stored for people to read, and a hostile nesting must
    not crash the push that records its rejection.
    """
    if depth > 32:
        return "[nested too deep]"
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1) for v in value]
    return changes.to_json_value(value)
