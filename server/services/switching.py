"""ISO 2859-1 switching state per factory and severity class, replayed from finalized inspections."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select

from server.aql import LotRecord, count_by_class, switching_history
from server.extensions import db
from server.models import Factory, Inspection, InspectionDefect, ProductionOrder, PurchaseOrder
from server.services.inspections import SEVERITY_CLASSES


def factory_switching(factory: Factory) -> dict[str, dict]:
    """Each class's current state, score, reason and history of states for one factory.

    Lots are the factory's finalized original inspections (re-inspections are
    left out, as the standard counts lots on original inspection) in the order
    they were finalized.
    """
    lots = _lots(factory.id)
    result = {}
    for cls in SEVERITY_CLASSES:
        state = switching_history(lots[cls], steady_production=factory.steady_production)
        result[cls] = state.as_dict() | {"lots": len(lots[cls])}
    return result


def proposed_states(factory: Factory) -> dict[str, str]:
    """The switching state each class of a new inspection at this factory should use.

    A discontinued class is inspected tightened once inspection resumes.
    """
    proposal = {}
    for cls, state in factory_switching(factory).items():
        proposal[cls] = "tightened" if state["state"] == "discontinued" else state["state"]
    return proposal


def _lots(factory_id: uuid.UUID) -> dict[str, list[LotRecord]]:
    inspections = db.session.execute(
        select(Inspection, PurchaseOrder.po_number)
        .outerjoin(ProductionOrder, ProductionOrder.id == Inspection.production_order_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == ProductionOrder.purchase_order_id)
        .where(Inspection.factory_id == factory_id, Inspection.status == "finalized",
               Inspection.reinspection_of_id.is_(None), Inspection.deleted_at.is_(None))
        .order_by(Inspection.finished_at, Inspection.server_version, Inspection.id)
    ).all()
    counts = _defect_counts([i for i, _ in inspections], factory_id)
    lots: dict[str, list[LotRecord]] = {cls: [] for cls in SEVERITY_CLASSES}
    for inspection, po_number in inspections:
        label = po_number or f"inspection {str(inspection.id)[:8]}"
        for cls in SEVERITY_CLASSES:
            lots[cls].append(LotRecord(
                label=label, lot_size=inspection.lot_size, level=inspection.inspection_level,
                aql=getattr(inspection, f"aql_{cls}"), count=counts[inspection.id][cls],
                accepted=getattr(inspection, f"verdict_{cls}") == "pass", inspection_id=str(inspection.id),
                when=inspection.finished_at.isoformat() if inspection.finished_at else None))
    return lots


def _defect_counts(inspections: list[Inspection], factory_id: uuid.UUID) -> dict[uuid.UUID, dict[str, int]]:
    """Counts per class on each inspection's own basis (nonconformities or defectives)."""
    found: dict[uuid.UUID, list] = defaultdict(list)
    if inspections:
        # The factory's lots by a subquery, not a list of ids: a factory with more than 65,535 lots
        # would exceed PostgreSQL's limit on bound parameters (seen in bench/analytics_bench.py).
        lots = select(Inspection.id).where(
            Inspection.factory_id == factory_id, Inspection.status == "finalized",
            Inspection.reinspection_of_id.is_(None), Inspection.deleted_at.is_(None))
        rows = db.session.execute(
            select(InspectionDefect.inspection_id, InspectionDefect.severity, InspectionDefect.sample_unit)
            .where(InspectionDefect.inspection_id.in_(lots), InspectionDefect.deleted_at.is_(None))
        ).all()
        for inspection_id, severity, unit in rows:
            found[inspection_id].append((severity, unit))
    return {i.id: count_by_class(found[i.id], basis=i.count_basis) for i in inspections}
