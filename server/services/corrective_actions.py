"""Corrective actions (CAPA): opened by a failed inspection or a critical defect, answered by the factory,
verified and closed by QC, and linked to the re-inspection that checked the fix.

Every rule of the workflow is here, once: who may move an action from which status to which
(:data:`server.models.vocab.CORRECTIVE_ACTION_TRANSITIONS`), which fields a factory user may write,
what an answer needs before it goes to QC. REST (PATCH) and sync push (upsert) both reach
:func:`before_corrective_action_write` through the registry entry, so neither path can skip them.

An inspection opens at most one action, with an id derived from the inspection's
(:func:`server.models.corrective_actions.corrective_action_id`): the server opening it at finalize and a
phone that opened the same action offline write one record, merged field by field by the sync protocol.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, not_, or_, select

from server.authz import can_see_factory
from server.errors import ApiError, validation_error
from server.extensions import db
from server.models import CorrectiveAction, DefectType, Inspection, InspectionDefect, OverdueAnnouncement, User
from server.models.base import utcnow
from server.models.corrective_actions import corrective_action_id
from server.models.vocab import CORRECTIVE_ACTION_QC_ROLES, CORRECTIVE_ACTION_TRANSITIONS
from server.services import changes, events
from server.services.records import add_new, lookup, value_before

# A new action is due this many days after it opens, unless QC sets another date.
DAYS_TO_ANSWER = 14
# What a factory user writes: their answer. Everything else (problem, due date, verification, the
# re-inspection link) is QC's.
FACTORY_FIELDS = frozenset({"root_cause", "action", "owner", "evidence_notes", "status"})
# An answer goes to QC only with these filled in.
ANSWER_REQUIRED = ("root_cause", "action")


def today() -> date:
    return utcnow().date()


# --- opening an action --------------------------------------------------------------------------


def open_for(inspection: Inspection, problem: str) -> CorrectiveAction:
    """The inspection's corrective action, opened now unless it exists (then it is kept as it is, a phone's
    action that came without words getting the server's description of the problem)."""
    action_id = corrective_action_id(inspection.id)
    state = db.inspect(inspection)
    if state.pending or state.transient:  # transient: made in a bulk write (changes.add_in_bulk)
        # An inspection not written yet has no action in the database (the action's key names it): only one
        # opened earlier in this transaction, which is pinned. Saves a query per critical defect of a push.
        existing = db.session.info.get(changes.PINNED_KEY, {}).get((CorrectiveAction, action_id))
    else:
        existing = lookup(CorrectiveAction, action_id)
    if existing is not None:
        if not existing.problem:
            existing.problem = problem
        return existing
    action = CorrectiveAction(id=action_id, inspection_id=inspection.id,
                              factory_id=inspection.factory_id, status="open", problem=problem,
                              due_date=today() + timedelta(days=DAYS_TO_ANSWER))
    add_new(action)
    # Pinned so that a second cause in the same transaction (a batch of critical defects) finds it.
    db.session.info.setdefault(changes.PINNED_KEY, {})[(CorrectiveAction, action.id)] = action
    _announce("corrective_action_opened", action)
    return action


def after_finalize(inspection: Inspection, counts: dict[str, int]) -> None:
    """At finalize (same transaction): a failed lot opens the factory's action; a re-inspection of the same
    production order is linked to the actions it checked, and a passing one closes those awaiting it."""
    if inspection.verdict == "fail":
        found = ", ".join(f"{counts.get(cls, 0)} {cls}" for cls in ("critical", "major", "minor"))
        open_for(inspection, f"Failed {inspection.inspection_type.replace('_', '-')} inspection: {found}.")
    _link_reinspection(inspection)


def before_defect_write(user: User, defect: InspectionDefect, data: dict, is_new: bool) -> None:
    """A critical defect opens the inspection's corrective action at once, finalized or not."""
    if defect.severity != "critical" or not ({"severity"} & set(data) or is_new):
        return
    inspection = lookup(Inspection, defect.inspection_id)
    if inspection is None:
        return  # the generic rules refuse the unknown inspection
    defect_type = lookup(DefectType, defect.defect_type_id) if defect.defect_type_id else None
    name = defect_type.name if defect_type is not None else "unknown type"
    open_for(inspection, f"Critical defect recorded: {name}" + (f" ({defect.note})." if defect.note else "."))


def _has_cause(inspection: Inspection) -> bool:
    if inspection.status == "finalized" and inspection.verdict == "fail":
        return True
    changes.flush()  # a critical defect recorded earlier in this transaction counts
    return db.session.scalar(select(InspectionDefect.id).where(
        InspectionDefect.inspection_id == inspection.id, InspectionDefect.severity == "critical",
        InspectionDefect.deleted_at.is_(None)).limit(1)) is not None


def _link_reinspection(inspection: Inspection) -> None:
    """Actions of earlier inspections of this production order (or of the inspection this one re-inspects)
    that are still open to a check get this inspection as their re-inspection."""
    same_order = Inspection.production_order_id == inspection.production_order_id \
        if inspection.production_order_id is not None else False
    named = Inspection.id == inspection.reinspection_of_id if inspection.reinspection_of_id is not None else False
    actions = db.session.scalars(
        select(CorrectiveAction).join(Inspection, Inspection.id == CorrectiveAction.inspection_id).where(
            or_(same_order, named), Inspection.id != inspection.id, CorrectiveAction.deleted_at.is_(None),
            CorrectiveAction.status != "closed", CorrectiveAction.reinspection_id.is_(None))).all()
    for action in actions:
        action.reinspection_id = inspection.id
        if inspection.verdict == "pass" and action.status == "awaiting_verification":
            # The loop closes: the passing re-inspection is the verification of the factory's answer.
            context = changes.current_context()
            action.status = "closed"
            action.verified_by_id = context.actor_id if context is not None else None
            action.verified_at = utcnow()
            action.verification_note = action.verification_note or "Re-inspection passed."


# --- the workflow -------------------------------------------------------------------------------


def before_corrective_action_write(user: User, action: CorrectiveAction, data: dict, is_new: bool) -> None:
    if is_new:
        _check_new(action)
        return
    # Judged against the action as this update found it (the server's own writes earlier in the transaction,
    # such as a re-inspection closing it, are not the writer's changes).
    changed = {key for key in data if value_before(action, key) != getattr(action, key)}
    if changed:
        _check_change(user, action, value_before(action, "status"), changed)


def _check_change(user: User, action: CorrectiveAction, was: str, changed: set[str]) -> None:
    if was == "closed":
        raise ApiError(409, "corrective_action_closed", "A closed corrective action is read-only.")
    if user.role not in CORRECTIVE_ACTION_QC_ROLES and changed - FACTORY_FIELDS:
        raise ApiError(403, "forbidden_field", "A factory answers with root cause, action, owner and evidence.",
                       {field: ["Only QC may change this."] for field in sorted(changed - FACTORY_FIELDS)})
    if "reinspection_id" in changed and action.reinspection_id is not None:
        _check_reinspection(action)
    if "status" in changed:
        _move(user, action, was, action.status, changed)


def _check_new(action: CorrectiveAction) -> None:
    inspection = lookup(Inspection, action.inspection_id)
    if inspection is None:
        return  # the parent rule already refused it
    if action.id != corrective_action_id(inspection.id):
        raise validation_error({"id": ["A corrective action's id is derived from its inspection's (UUIDv5)."]})
    if action.status != "open":
        raise validation_error({"status": ["A corrective action opens as open."]})
    if not _has_cause(inspection):
        raise ApiError(409, "no_corrective_action_cause",
                       "Only a failed inspection or a critical defect opens a corrective action.",
                       {"inspection_id": ["Neither failed nor with a critical defect."]})
    action.due_date = action.due_date or today() + timedelta(days=DAYS_TO_ANSWER)
    _announce("corrective_action_opened", action)


def _move(user: User, action: CorrectiveAction, was: str, to: str, changed: set[str]) -> None:
    roles = next((roles for start, end, roles in CORRECTIVE_ACTION_TRANSITIONS if (start, end) == (was, to)), None)
    if roles is None:
        raise ApiError(409, "invalid_transition", f"A corrective action cannot go from {was} to {to}.",
                       {"status": [f"Not allowed from {was}."]})
    if user.role not in roles:
        raise ApiError(403, "forbidden_transition", f"Your role may not move a corrective action to {to}.",
                       {"status": [f"Only {', '.join(roles)} may do this."]})
    if to == "awaiting_verification":
        missing = [f for f in ANSWER_REQUIRED if not (getattr(action, f) or "").strip()]
        if missing:
            raise ApiError(400, "answer_incomplete", "Give the root cause and the action before QC verifies.",
                           {f: ["Required before verification."] for f in missing})
    elif to == "closed":
        action.verified_by_id = user.id
        action.verified_at = utcnow()
    elif was == "awaiting_verification":  # sent back to the factory: QC says why
        if "verification_note" not in changed or not (action.verification_note or "").strip():
            raise ApiError(400, "note_required", "Say why the answer goes back to the factory.",
                           {"verification_note": ["Required when sending an action back."]})


def _check_reinspection(action: CorrectiveAction) -> None:
    original = lookup(Inspection, action.inspection_id)
    reinspection = lookup(Inspection, action.reinspection_id)
    if reinspection is None or original is None:
        return  # unknown ids are refused by the generic reference rules
    if reinspection.id == original.id or (reinspection.production_order_id != original.production_order_id
                                          and reinspection.reinspection_of_id != original.id):
        raise validation_error({"reinspection_id": ["Not a re-inspection of the same production order."]})


# --- reading ------------------------------------------------------------------------------------


def overdue_clause(overdue: bool):
    """The list filter ?overdue=true|false, by today's date."""
    clause = and_(CorrectiveAction.due_date.is_not(None), CorrectiveAction.due_date < today(),
                  CorrectiveAction.status != "closed")
    return clause if overdue else not_(clause)


def factory_figures(user: User, factory_id) -> dict:
    """A factory's actions for its scorecard: how many are open (not closed), overdue, awaiting QC."""
    if not can_see_factory(user, factory_id):
        return {"open": 0, "overdue": 0, "awaiting_verification": 0}
    base = (CorrectiveAction.factory_id == factory_id, CorrectiveAction.deleted_at.is_(None))
    row = db.session.execute(select(
        func.count().filter(CorrectiveAction.status != "closed"),
        func.count().filter(overdue_clause(True)),
        func.count().filter(CorrectiveAction.status == "awaiting_verification"),
    ).where(*base)).one()
    return {"open": row[0] or 0, "overdue": row[1] or 0, "awaiting_verification": row[2] or 0}


# --- notifications ---------------------------------------------------------------------------


def _announce(kind: str, action: CorrectiveAction) -> None:
    """Queue the event in the transaction that makes it true (server/services/events.py)."""
    events.emit(kind, {"corrective_action_id": action.id, "inspection_id": action.inspection_id,
                       "factory_id": action.factory_id, "status": action.status, "problem": action.problem,
                       "due_date": action.due_date}, action.factory_id)


def announce_overdue() -> int:
    """Announce each action that became overdue, once per due date (the delivery worker calls this every round:
    overdue is computed from the calendar, never written by a change). Returns how many were announced."""
    if not db.session.scalar(select(select(CorrectiveAction.id).where(_unannounced_overdue()).exists())):
        db.session.rollback()  # ends the read; no write lock is taken when there is nothing to announce
        return 0
    with changes.recording(None, "automation"):
        due = db.session.scalars(select(CorrectiveAction).where(_unannounced_overdue())).all()
        for action in due:
            _announce("corrective_action_overdue", action)
            db.session.add(OverdueAnnouncement(corrective_action_id=action.id, due_date=action.due_date))
    return len(due)


def _unannounced_overdue():
    return and_(overdue_clause(True), CorrectiveAction.deleted_at.is_(None),
                ~select(OverdueAnnouncement.corrective_action_id).where(
                    OverdueAnnouncement.corrective_action_id == CorrectiveAction.id,
                    OverdueAnnouncement.due_date == CorrectiveAction.due_date).exists())
