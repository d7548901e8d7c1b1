"""Sync pull (PROTOCOL.md section 3): gap-free pages of changes from one snapshot."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select

from server.authz import factory_scope
from server.extensions import db
from server.models import SyncClient, SyncState, User
from server.services import changes, entities, records
from server.services.records import Resource
from server.services.sync_push import bound_client
from sync.core import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, Cursor, check_versions, reset_reason, scope_fingerprint

RANKS = {resource.entity: rank for rank, resource in enumerate(entities.ALL)}
END_RANK = len(entities.ALL)


def pull(user: User, query: dict, user_agent: str | None = None) -> dict:
    check_versions(query["protocol_version"], query["schema_version"])
    client_id, cursor_text = query["client_id"], query.get("cursor")
    limit = min(query.get("limit") or DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT)
    _bind(user, client_id, user_agent)
    _begin_snapshot()
    state = db.session.get(SyncState, 1)
    database_id = str(state.database_id)
    client = bound_client(user, client_id, create=False)
    last_mutation_id = client.last_mutation_id
    scope = scope_fingerprint(user.role, factory_scope(user) or ())
    cursor = Cursor.decode(cursor_text) if cursor_text else None
    answer = {"database_id": database_id, "last_mutation_id": last_mutation_id}
    reason = reset_reason(cursor, database_id, scope, state.tombstones_purged_through)
    if reason:
        return answer | {"reset": True, "reason": reason, "changes": [], "has_more": False,
                         "cursor": Cursor(database_id, 0, 0, "", scope).encode()}
    cursor = cursor or Cursor(database_id, 0, 0, "", scope)
    high = state.change_counter
    if cursor.rank == END_RANK and cursor.version >= high:
        # Caught up, and no writing transaction has taken a number since: nothing to look for (a nothing-new sync).
        db.session.rollback()  # end the read snapshot
        return answer | {"reset": False, "changes": [], "has_more": False, "cursor": cursor.encode()}
    # A client that keeps what the server acknowledged (2.11) need not get its own writes back (3.7).
    echoes_of = client_id if query.get("skip_echoes") else None
    rows = []
    for resource in entities.ALL:
        rows.extend(_changed_rows(resource, user, cursor, high, limit + 1, echoes_of))
    rows.sort(key=lambda r: (r[0], r[1], r[2].id.int))
    has_more = len(rows) > limit
    page = rows[:limit]
    if has_more:
        version, rank, record = page[-1]
        next_cursor = Cursor(database_id, version, rank, record.id.hex, scope)
    else:
        next_cursor = Cursor(database_id, high, END_RANK, "", scope)
    changes = [_change(entities.ALL[rank], version, record) for version, rank, record in page]
    db.session.rollback()  # end the read snapshot
    return answer | {"reset": False, "changes": changes, "has_more": has_more, "cursor": next_cursor.encode()}


def _bind(user: User, client_id: str, user_agent: str | None) -> None:
    """The first request with a client id binds it, a pull as much as a push (PROTOCOL.md 1.3)."""
    if db.session.get(SyncClient, client_id) is None:
        with changes.recording(user, "sync", client_id=client_id):
            bound_client(user, client_id, create=True, user_agent=user_agent)


def _begin_snapshot() -> None:
    """All reads of one pull see one snapshot (SQLite: any read transaction does already)."""
    db.session.rollback()  # whatever the request read before (the user) must not pin an older snapshot
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _changed_rows(resource: Resource, user: User, cursor: Cursor, high: int, limit: int, echoes_of: str | None):
    model = resource.model
    rank = RANKS[resource.entity]
    if rank > cursor.rank:
        after = model.server_version >= cursor.version
    elif rank == cursor.rank and cursor.record_id:
        after = or_(model.server_version > cursor.version,
                    and_(model.server_version == cursor.version, model.id > uuid.UUID(hex=cursor.record_id)))
    elif rank == cursor.rank:
        after = model.server_version >= cursor.version
    else:
        after = model.server_version > cursor.version
    stmt = select(model).where(after, model.server_version <= high, model.server_version > 0)
    stmt = _in_scope(stmt, resource, user)
    if echoes_of is not None:  # what this client wrote and the server stored as sent: it holds them (3.7)
        stmt = stmt.where(or_(model.echo_client_id.is_(None), model.echo_client_id != echoes_of))
    found = db.session.scalars(stmt.order_by(model.server_version, model.id).limit(limit)).all()
    return [(record.server_version, rank, record) for record in found]


def _in_scope(stmt, resource: Resource, user: User):
    """PROTOCOL.md section 4: what each role replicates."""
    model = resource.model
    scope = factory_scope(user)
    if resource in entities.REFERENCE:
        if resource.scoped and scope is not None:
            return stmt.where(getattr(model, resource.scope_column).in_(scope))
        return stmt
    if user.role in ("inspector", "factory"):
        return stmt.where(model.factory_id.in_(scope or ()))
    return stmt.where(model.created_by_id == user.id)


def _change(resource: Resource, version: int, record) -> dict:
    if record.is_deleted:
        return {"entity": resource.entity, "id": str(record.id), "version": version, "deleted": True, "fields": {}}
    fields = records.replica_schema(resource).dump(record)
    return {"entity": resource.entity, "id": str(record.id), "version": version, "deleted": False, "fields": fields}
