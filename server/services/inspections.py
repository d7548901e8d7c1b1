"""Rules of the inspection workflow on top of the generic record rules."""

from __future__ import annotations

from sqlalchemy import select

from server.errors import validation_error
from server.extensions import db
from server.models import Inspection, User
from server.models.base import utcnow
from server.services import changes
from server.services.records import lookup
from server.services.users import is_assigned_inspector

# Each factory's proposed switching states, kept for one transaction.
_PROPOSALS_KEY = changes.CACHE_PREFIX + "switching_proposals"


def before_inspection_write(user: User, inspection: Inspection, data: dict, is_new: bool) -> None:
    if is_new:
        _propose_switching_states(inspection, data)
    if is_new and inspection.inspector_id is None and user.role == "inspector":
        inspection.inspector_id = user.id
    if "inspector_id" in data and inspection.inspector_id is not None:
        _require_assigned_inspector(inspection)
    if data.get("status") == "in_progress" and inspection.started_at is None:
        inspection.started_at = utcnow()
    refresh_plan(inspection, data, is_new)
    if inspection.reinspection_of_id is not None:
        original = lookup(Inspection, inspection.reinspection_of_id)
        if original is not None and original.status != "finalized":
            raise validation_error({"reinspection_of_id": ["Only a finalized inspection can be re-inspected."]})


def _propose_switching_states(inspection: Inspection, data: dict) -> None:
    """A new inspection takes each class's switching state from the factory's record,
    unless the client chose one (e.g. the state it was shown offline)."""
    from server.models import Factory
    from server.services.switching import proposed_states

    missing = [cls for cls in SEVERITY_CLASSES if f"switching_{cls}" not in data]
    factory = lookup(Factory, inspection.factory_id) if inspection.factory_id else None
    if not missing or factory is None:
        return
    # Replaying a factory's history costs tens of milliseconds: once per factory per transaction, and
    # again only after an inspection of that factory is finalized (see forget_switching_proposal).
    proposals = db.session.info.setdefault(_PROPOSALS_KEY, {})
    if factory.id not in proposals:
        proposals[factory.id] = proposed_states(factory)
    proposal = proposals[factory.id]
    for cls in missing:
        setattr(inspection, f"switching_{cls}", proposal[cls])


def forget_switching_proposal(factory_id) -> None:
    db.session.info.get(_PROPOSALS_KEY, {}).pop(factory_id, None)


def _require_assigned_inspector(inspection: Inspection) -> None:
    if not _assigned(inspection.inspector_id, inspection.factory_id):
        raise validation_error({"inspector_id": ["Not an active inspector assigned to this factory."]})


# (inspector, factory) -> may inspect there, kept for one transaction: a push of 500 inspections asks the same
# question.
_ASSIGNED_KEY = changes.CACHE_PREFIX + "assigned_inspectors"


def _assigned(inspector_id, factory_id) -> bool:
    known = db.session.info.setdefault(_ASSIGNED_KEY, {})
    key = (inspector_id, factory_id)
    if key not in known:
        known[key] = factory_id is not None and is_assigned_inspector(inspector_id, factory_id)
    return known[key]


# --- sampling plan and finalize ---------------------------------------------------------

SEVERITY_CLASSES = ("critical", "major", "minor")
SETUP_FIELDS = frozenset({"lot_size", "inspection_level", "aql_critical", "aql_major", "aql_minor",
                          "switching_critical", "switching_major", "switching_minor"})


# Which inspection field an AqlError's parameter came from.
_AQL_PARAMETER_FIELDS = {"lot_size": "lot_size", "level": "inspection_level", "aql": "aql_{cls}",
                         "inspection": "switching_{cls}"}


def compute_plans(inspection: Inspection) -> dict:
    """The ISO 2859-1 plan per severity class for the inspection's set-up (400 naming a bad field)."""
    from server.aql import AqlError, plan_for

    plans = {}
    for cls in SEVERITY_CLASSES:
        try:
            plans[cls] = plan_for(inspection.lot_size, inspection.inspection_level,
                                  getattr(inspection, f"aql_{cls}"), getattr(inspection, f"switching_{cls}"))
        except AqlError as exc:
            field = _AQL_PARAMETER_FIELDS.get(exc.field, exc.field).format(cls=cls)
            raise validation_error({field: [exc.message]}) from exc
    return plans


def plans_as_dict(plans: dict) -> dict:
    return {cls: plan.as_dict() for cls, plan in plans.items()}


def _check_aql_fits_count_basis(inspection: Inspection) -> None:
    """ISO 2859-1 gives AQLs above 10 only for nonconformities per 100 items."""
    from decimal import Decimal

    if inspection.count_basis != "defectives":
        return
    too_high = {f"aql_{cls}": ["AQLs above 10 apply to nonconformities only; count nonconformities or lower it."]
                for cls in SEVERITY_CLASSES if Decimal(getattr(inspection, f"aql_{cls}")) > 10}
    if too_high:
        raise validation_error(too_high)


def refresh_plan(inspection: Inspection, data: dict, is_new: bool) -> None:
    """Store the plan for the current set-up; once finalized it is never rewritten."""
    _check_aql_fits_count_basis(inspection)
    if is_new or inspection.plan is None or SETUP_FIELDS & set(data):
        inspection.plan = plans_as_dict(compute_plans(inspection))


def recompute_verdict(inspection: Inspection):
    """Judge the recorded defects against the inspection's plans, as at finalize."""
    from server.aql import count_by_class, judge
    from server.models import InspectionDefect

    defects = db.session.scalars(
        select(InspectionDefect).where(InspectionDefect.inspection_id == inspection.id,
                                       InspectionDefect.deleted_at.is_(None))
    ).all()
    counts = count_by_class(((d.severity, d.sample_unit) for d in defects), basis=inspection.count_basis)
    plans = compute_plans(inspection)
    return plans, judge(plans, {cls: counts.get(cls, 0) for cls in SEVERITY_CLASSES})
