"""A purchase order's history, and a production order's, read from the audit trail (server.services.changes
writes it).

Every change to the order, to its lines, to its production orders, to their milestones and to the inspections
booked against them (for a production order: its own changes, its milestones and its bookings), newest first:
who made it, when, from where (the app, an import, a phone's sync...), and each field's old and new value.
References read as what people know the record by, never as ids: a factory's code, a style's number, an order
line's style and colourway, a tech pack's style and version, a production order's number, a person's name.
Each entry names its record twice: ``record`` as one text ("MO-A-1 sewing", for API and CSV readers) and as
``record_name`` ("MO-A-1") with ``record_code`` (the milestone's stage or the inspection's type, a vocabulary code
the app words in its user's language; null for an order or an order line).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    AuditEntry,
    Factory,
    Inspection,
    MilestoneEvent,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
    TechPackVersion,
    User,
)
from server.services import records
from server.services.entities import PRODUCTION_ORDERS, PURCHASE_ORDERS

_ENTITY_OF_TABLE = {model.__tablename__: model.__entity__
                    for model in (PurchaseOrder, PurchaseOrderLine, ProductionOrder, MilestoneEvent, Inspection)}
# Fields whose values are ids of records people know by a code or a name: the field -> (model, the statement
# selecting (id, label) for some of its ids). Every reference column of the audited tables is here.
_LINE_LABEL = (Style.style_number + " " + PurchaseOrderLine.colourway)
_SHOWN_AS = {
    "factory_id": (Factory, select(Factory.id, Factory.code)),
    "style_id": (Style, select(Style.id, Style.style_number)),
    "purchase_order_id": (PurchaseOrder, select(PurchaseOrder.id, PurchaseOrder.po_number)),
    "purchase_order_line_id": (PurchaseOrderLine, select(PurchaseOrderLine.id, _LINE_LABEL)
                               .join(Style, Style.id == PurchaseOrderLine.style_id)),
    "production_order_id": (ProductionOrder, select(ProductionOrder.id, ProductionOrder.number)),
    "tech_pack_version_id": (TechPackVersion, select(TechPackVersion.id, Style.style_number + " "
                                                     + TechPackVersion.version_label)
                             .join(Style, Style.id == TechPackVersion.style_id)),
    "reinspection_of_id": (Inspection, select(Inspection.id, func.coalesce(ProductionOrder.number + " ", "")
                                              + Inspection.inspection_type)
                           .outerjoin(ProductionOrder, ProductionOrder.id == Inspection.production_order_id)),
    "inspector_id": (User, select(User.id, User.display_name)),
}


def order_history(user: User, order_id: uuid.UUID, page: int, page_size: int) -> tuple[list[dict], int]:
    """One page of the order's history (404 for an order outside the user's factories) and the total count."""
    order = records.get_record(PURCHASE_ORDERS, user, order_id)
    labels: dict[uuid.UUID, tuple[str, str | None]] = {order.id: (order.po_number, None)}
    for line, style_number in db.session.execute(
            select(PurchaseOrderLine, Style.style_number).join(Style, Style.id == PurchaseOrderLine.style_id)
            .where(PurchaseOrderLine.purchase_order_id == order.id)):
        labels[line.id] = (f"{style_number} {line.colourway}", None)
    numbers = {production_order.id: production_order.number for production_order in db.session.scalars(
        select(ProductionOrder).where(ProductionOrder.purchase_order_id == order.id))}
    labels.update({record_id: (number, None) for record_id, number in numbers.items()})
    labels.update(_work_of(numbers))
    return _entries(labels, page, page_size)


def production_order_history(user: User, production_order_id: uuid.UUID, page: int,
                             page_size: int) -> tuple[list[dict], int]:
    """One page of a production order's own history: its plan, dates and status, its milestones and the
    inspections booked against it (404 outside the user's factories); and the total count."""
    order = records.get_record(PRODUCTION_ORDERS, user, production_order_id)
    numbers = {order.id: order.number}
    return _entries({order.id: (order.number, None), **_work_of(numbers)}, page, page_size)


def _work_of(numbers: dict[uuid.UUID, str]) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Labels of the milestones and inspections of these production orders (id -> number): ("MO-1", "cut")."""
    labels: dict[uuid.UUID, tuple[str, str | None]] = {}
    if not numbers:
        return labels
    for event in db.session.scalars(select(MilestoneEvent).where(
            MilestoneEvent.production_order_id.in_(list(numbers)))):
        labels[event.id] = (numbers[event.production_order_id], event.stage)
    for inspection in db.session.scalars(select(Inspection).where(
            Inspection.production_order_id.in_(list(numbers)))):
        labels[inspection.id] = (numbers[inspection.production_order_id], inspection.inspection_type)
    return labels


def _entries(labels: dict[uuid.UUID, tuple[str, str | None]], page: int, page_size: int) -> tuple[list[dict], int]:
    """The audit entries of the labelled records, newest first, each naming its record by its label."""
    tables = list(_ENTITY_OF_TABLE)
    where = (AuditEntry.record_id.in_(list(labels)), AuditEntry.table_name.in_(tables))
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    entries = db.session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                                 .limit(page_size).offset((page - 1) * page_size)).all()
    names = _names([e.actor_id for e in entries if e.actor_id is not None])
    shown = _shown_values(entries)
    return [{
        "at": entry.at, "action": entry.action, "source": entry.source,
        "actor": {"id": entry.actor_id, "name": names.get(entry.actor_id)} if entry.actor_id else None,
        "entity": _ENTITY_OF_TABLE[entry.table_name], "record_id": entry.record_id,
        "record": " ".join(filter(None, labels[entry.record_id])),
        "record_name": labels[entry.record_id][0], "record_code": labels[entry.record_id][1],
        "changes": {name: {"old": _shown(shown, name, old), "new": _shown(shown, name, new)}
                    for name, (old, new) in entry.changes.items()},
    } for entry in entries], total


def _shown(shown: dict, name: str, value):
    return shown.get((name, value), value) if name in _SHOWN_AS else value


def _names(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(set(user_ids)))).all())


def _shown_values(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """(field, id as the audit stored it) -> code, for the reference fields of these entries."""
    shown = {}
    for name, (model, labelled) in _SHOWN_AS.items():
        ids = {value for entry in entries for value in entry.changes.get(name, ()) if value}
        if ids:
            for record_id, label in db.session.execute(labelled.where(model.id.in_([uuid.UUID(i) for i in ids]))):
                shown[(name, str(record_id))] = label
    return shown
