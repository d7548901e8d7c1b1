"""Rules of the inspection workflow on top of the generic record rules."""

from __future__ import annotations

from sqlalchemy import select

from server.errors import validation_error
from server.extensions import db
from server.models import FactoryAssignment, Inspection, User
from server.models.base import utcnow


def before_inspection_write(user: User, inspection: Inspection, data: dict, is_new: bool) -> None:
    if is_new and inspection.inspector_id is None and user.role == "inspector":
        inspection.inspector_id = user.id
    if "inspector_id" in data and inspection.inspector_id is not None:
        _require_assigned_inspector(inspection)
    if data.get("status") == "in_progress" and inspection.started_at is None:
        inspection.started_at = utcnow()
    if inspection.reinspection_of_id is not None:
        original = db.session.get(Inspection, inspection.reinspection_of_id)
        if original is not None and original.status != "finalized":
            raise validation_error({"reinspection_of_id": ["Only a finalized inspection can be re-inspected."]})


def _require_assigned_inspector(inspection: Inspection) -> None:
    inspector = db.session.get(User, inspection.inspector_id)
    assigned = db.session.scalar(
        select(FactoryAssignment.id).where(
            FactoryAssignment.user_id == inspection.inspector_id,
            FactoryAssignment.factory_id == inspection.factory_id,
            FactoryAssignment.deleted_at.is_(None),
        )
    )
    if inspector is None or inspector.role != "inspector" or not inspector.is_active or assigned is None:
        raise validation_error({"inspector_id": ["Not an active inspector assigned to this factory."]})
