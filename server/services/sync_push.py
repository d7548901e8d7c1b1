"""Sync push (PROTOCOL.md section 2): exactly-once, in order, one transaction per push."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from server.authz import can_see_factory
from server.errors import ApiError
from server.extensions import db
from server.models import (
    AuditEntry,
    Inspection,
    SyncClient,
    SyncConflict,
    SyncRejection,
    SyncState,
    User,
    Versioned,
)
from server.models.base import utcnow
from server.services import changes, entities, records
from server.services.changes import to_json_value
from server.services.finalize import apply_finalize
from sync.core import ProtocolError, check_versions, decide_fields, plan_batch

# Fields of an inspection the app sets when it finalizes offline; the server recomputes them.
_FINALIZE_FIELDS = ("status", "verdict", "verdict_critical", "verdict_major", "verdict_minor", "finished_at",
                    "plan")


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


def push(user: User, payload: dict, user_agent: str | None = None, source: str = "sync") -> dict:
    """Apply a push; ``source`` is "import" when the mutations come from an exported file."""
    try:
        check_versions(payload["protocol_version"], payload["schema_version"])
    except ProtocolError as exc:
        raise ApiError(409, exc.code, exc.message, exc.details) from exc
    client_id = payload["client_id"]
    with changes.recording(user, source, client_id=client_id):
        client = bound_client(user, client_id, create=True, user_agent=user_agent)
        try:
            planned = plan_batch(client.last_mutation_id, payload["mutations"])
        except ProtocolError as exc:
            raise ApiError(409, exc.code, exc.message, exc.details) from exc
        results = []
        for item in planned:
            if item.duplicate:
                results.append({"id": item.id, "status": "duplicate"})
                continue
            results.append(_apply_one(user, client, item.mutation))
            client.last_mutation_id = item.id
        client.last_seen_at = utcnow()
        last = client.last_mutation_id
        database_id = db.session.get(SyncState, 1).database_id
    return {"last_mutation_id": last, "database_id": database_id, "results": results}


def _apply_one(user: User, client: SyncClient, mutation: dict) -> dict:
    """Apply one mutation inside a savepoint; a permanent failure becomes a recorded rejection."""
    savepoint = db.session.begin_nested()
    try:
        outcome = _apply(user, client, mutation)
        savepoint.commit()
        return {"id": mutation["id"], **outcome}
    except ApiError as exc:
        _rollback(savepoint)
        return _reject(client, mutation, exc.code, exc.message, exc.fields)
    except ValidationError as exc:
        _rollback(savepoint)
        return _reject(client, mutation, "validation_error", "The mutation has invalid fields.", exc.messages)
    except IntegrityError:
        _rollback(savepoint)
        return _reject(client, mutation, "conflict", "The change conflicts with existing data.", {})
    except DataError:  # a value the column cannot hold that slipped past the schema's bounds
        _rollback(savepoint)
        return _reject(client, mutation, "validation_error", "A value cannot be stored in its field.", {})


def _rollback(savepoint) -> None:
    savepoint.rollback()
    # Records looked up inside the failed mutation may have been undone with it.
    db.session.info.pop(changes.PINNED_KEY, None)


def _reject(client: SyncClient, mutation: dict, code: str, message: str, details: dict) -> dict:
    db.session.add(SyncRejection(
        client_id=client.client_id, mutation_id=mutation["id"], entity=mutation["entity"],
        record_id=str(mutation["record_id"]), op=mutation["op"], fields=jsonable_dict(mutation.get("fields")),
        code=code, message=message, details=jsonable_dict(details)))
    return {"id": mutation["id"], "status": "rejected", "code": code, "message": message, "fields": details}


def jsonable_dict(value):
    if isinstance(value, dict):
        return {str(k): jsonable_dict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable_dict(v) for v in value]
    return to_json_value(value)


def _apply(user: User, client: SyncClient, mutation: dict) -> dict:
    resource = entities.BY_ENTITY.get(mutation["entity"])
    if resource is None:
        raise ApiError(400, "unknown_entity", f"Unknown entity {mutation['entity']!r}.")
    record_id: uuid.UUID = mutation["record_id"]
    record = db.session.get(resource.model, record_id)
    if record is not None and resource.model.__tablename__ != "factories" and hasattr(record, "factory_id"):
        if not can_see_factory(user, record.factory_id):
            # Out of scope: answered as if it did not exist.
            raise ApiError(404, "not_found", f"No such {resource.label}.")
    if mutation["op"] == "delete":
        return _delete(user, resource, record)
    fields = dict(mutation.get("fields") or {})
    finalize = resource.model is Inspection and fields.get("status") == "finalized"
    claimed = {k: fields.pop(k) for k in _FINALIZE_FIELDS if k in fields} if finalize else {}
    if record is None:
        _require_role(user, resource.create, "create", resource)
        data = _schema(resource, partial=False).load({**fields, "id": str(record_id)})
        record = records.apply_create(resource, user, data)
        conflicts = []
    else:
        if record.is_deleted:
            raise ApiError(409, "deleted", f"This {resource.label} was deleted; the change cannot apply.")
        conflicts = _update(user, client, resource, record, fields, mutation)
    if finalize:
        _require_role(user, ("inspector", "admin"), "finalize", resource)
        apply_finalize(record, {
            "verdict": {"critical": claimed.get("verdict_critical"), "major": claimed.get("verdict_major"),
                        "minor": claimed.get("verdict_minor"), "overall": claimed.get("verdict")},
            **({"finished_at": _parse_time(claimed["finished_at"])} if claimed.get("finished_at") else {}),
        })
        db.session.flush()
    status = "applied_with_conflicts" if conflicts else "applied"
    return {"status": status, "version": record.server_version, **({"conflicts": conflicts} if conflicts else {})}


def _update(user, client, resource, record, fields: dict, mutation: dict) -> list[dict]:
    if not fields:
        return []
    _require_role(user, resource.update, "change", resource)
    data = _schema(resource, partial=True).load(fields)
    data.pop("id", None)
    stored = {k: getattr(record, k) for k in data}
    own = _fields_last_written_by(client.client_id, record, data)
    decision = decide_fields(data, stored, record.field_versions or {}, mutation.get("base_version"), own)
    conflicts = []
    for field, incoming in decision.conflicts.items():
        conflict = SyncConflict(
            entity=resource.entity, record_id=record.id, factory_id=getattr(record, "factory_id", None),
            field=field, stored_value=jsonable_dict(stored[field]), incoming_value=jsonable_dict(incoming),
            stored_version=(record.field_versions or {}).get(field, 0), base_version=mutation.get("base_version"),
            client_id=client.client_id, mutation_id=mutation["id"], user_id=user.id)
        db.session.add(conflict)
        db.session.flush()
        conflicts.append({"id": str(conflict.id), "field": field})
    if decision.apply:
        records.apply_update(resource, user, record, decision.apply)
    return conflicts


def _fields_last_written_by(client_id: str, record: Versioned, data: dict) -> set[str]:
    """Fields whose latest change came from this same client: its own edits never conflict."""
    versions = {f: (record.field_versions or {}).get(f) for f in data}
    wanted = {v for v in versions.values() if v}
    if not wanted:
        return set()
    own_versions = set(db.session.scalars(
        select(AuditEntry.version).where(AuditEntry.record_id == record.id, AuditEntry.version.in_(wanted),
                                         AuditEntry.client_id == client_id)))
    return {f for f, v in versions.items() if v in own_versions}


def _delete(user, resource, record) -> dict:
    if record is None:
        raise ApiError(404, "not_found", f"No such {resource.label}.")
    _require_role(user, resource.delete, "delete", resource)
    if not record.is_deleted:
        records.apply_delete(record)
    return {"status": "applied", "version": record.server_version}


@functools.cache
def _schema(resource, partial: bool):
    """Schema instances are stateless once built; building one per mutation is most of a small push."""
    return resource.schema(partial=partial)


def _require_role(user: User, roles: tuple[str, ...], verb: str, resource) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", f"Your role may not {verb} a {resource.label}.")


def _parse_time(value: Any):
    from marshmallow import fields as ma_fields

    return ma_fields.DateTime().deserialize(value)
