"""Listing and resolving field conflicts recorded by sync push (PROTOCOL.md 5.3)."""

from __future__ import annotations

import uuid

from marshmallow import ValidationError
from sqlalchemy import select

from server.authz import can_see_factory, factory_scope
from server.errors import ApiError, not_found, validation_error
from server.extensions import db
from server.models import SyncConflict, User
from server.models.base import utcnow
from server.services import changes, entities, records


def _resolvable_entities(user: User) -> list[str]:
    return [r.entity for r in entities.ALL if user.role in r.update]


def list_conflicts(user: User, include_resolved: bool = False) -> list[SyncConflict]:
    stmt = select(SyncConflict).where(SyncConflict.entity.in_(_resolvable_entities(user)))
    if not include_resolved:
        stmt = stmt.where(SyncConflict.resolved_at.is_(None))
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(SyncConflict.factory_id.in_(scope))
    return list(db.session.scalars(stmt.order_by(SyncConflict.at, SyncConflict.id)))


def resolve_conflict(user: User, conflict_id: uuid.UUID, choice: str, value=None) -> SyncConflict:
    with changes.recording(user, "api"):
        conflict = db.session.get(SyncConflict, conflict_id)
        if (conflict is None or conflict.entity not in _resolvable_entities(user)
                or (conflict.factory_id is not None and not can_see_factory(user, conflict.factory_id))):
            raise not_found("conflict")
        if conflict.resolved_at is not None:
            raise ApiError(409, "already_resolved", "This conflict was already resolved.")
        resource = entities.BY_ENTITY[conflict.entity]
        record = records.get_record(resource, user, conflict.record_id)
        if choice != "stored":
            chosen = conflict.incoming_value if choice == "incoming" else value
            try:
                data = resource.schema(partial=True).load({conflict.field: chosen})
            except ValidationError as exc:
                raise validation_error({"value": exc.messages.get(conflict.field, exc.messages)}) from exc
            records.apply_update(resource, user, record, data)
        conflict.resolved_at = utcnow()
        conflict.resolved_by_id = user.id
        conflict.resolution = choice
    return db.session.get(SyncConflict, conflict_id)
