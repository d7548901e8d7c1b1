"""Booking inspections against production orders.

A booking is a planned inspection: the one record the inspector's phone receives through sync, ready to start
offline. Managers and admins book for any factory, a factory's own staff for theirs (the "book" grant of the
inspection's registry entry).
Each booking says whether the order is ready for it: an inline inspection once sewing has started, a final
random inspection once enough of the order is packed (BOOKING_FINAL_PACKED_PERCENT). A booking made before that
is kept but flagged; a second booking of the same kind for the same order, while the first is still open, is
refused with 409 naming the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from server.authz import factory_scope, require_factory
from server.errors import ApiError, validation_error
from server.extensions import db
from server.models import AqlDefault, Inspection, MilestoneEvent, ProductionOrder, PurchaseOrderLine, Style, User
from server.models.vocab import MILESTONE_STAGES, OPEN_BOOKING_STATUSES, OPEN_PRODUCTION_ORDER_STATUSES
from server.services import changes, entities, records

# An inline inspection looks at garments being sewn: sewing, or any stage after it, has started.
INLINE_FROM_STAGE = "sewing"


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str | None  # sewing_not_started, packed_below_threshold
    packed_quantity: int | None = None
    needed_quantity: int | None = None


def book(user: User, data: dict) -> dict:
    """Book one inspection; returns {"inspection", "readiness"}."""
    with changes.recording(user, "api"):
        order = _visible_order(user, data["production_order_id"])
        if order.status not in OPEN_PRODUCTION_ORDER_STATUSES:
            raise ApiError(409, "order_closed", f"Production order {order.number} is {order.status}: "
                           "only open orders are booked.", {"production_order_id": [order.status]})
        existing = db.session.scalar(select(Inspection).where(
            Inspection.production_order_id == order.id, Inspection.inspection_type == data["inspection_type"],
            Inspection.status.in_(OPEN_BOOKING_STATUSES), Inspection.deleted_at.is_(None)).limit(1))
        if existing is not None:
            raise ApiError(409, "already_booked",
                           f"Production order {order.number} already has a {existing.inspection_type} inspection "
                           f"booked ({existing.id}, {existing.planned_date or 'no date'}).",
                           {"production_order_id": [str(existing.id)]})
        fields = {key: value for key, value in data.items() if key != "production_order_id"}
        inspection = records.apply_create(entities.INSPECTIONS, user, {
            **_aql_defaults(order, data["inspection_type"]), **fields, "production_order_id": order.id,
            "factory_id": order.factory_id, "status": "planned", "lot_size": data.get("lot_size") or order.quantity})
        readiness = readiness_of(order, inspection.inspection_type)
        inspection_id = inspection.id
    return {"inspection": db.session.get(Inspection, inspection_id), "readiness": readiness}


def upcoming(user: User, query: dict, page: int, page_size: int) -> tuple[list[dict], int]:
    """Planned inspections booked against production orders, soonest first, each with its readiness."""
    stmt = select(Inspection).where(Inspection.production_order_id.is_not(None), Inspection.status == "planned",
                                    Inspection.deleted_at.is_(None))
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(Inspection.factory_id.in_(scope))
    if user.role == "inspector":
        stmt = stmt.where((Inspection.inspector_id == user.id) | Inspection.inspector_id.is_(None))
    for name in ("factory_id", "inspector_id", "inspection_type"):
        if query.get(name) is not None:
            stmt = stmt.where(getattr(Inspection, name) == query[name])
    if query.get("date_from") is not None:
        stmt = stmt.where(Inspection.planned_date >= query["date_from"])
    if query.get("date_to") is not None:
        stmt = stmt.where(Inspection.planned_date <= query["date_to"])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    found = db.session.scalars(stmt.order_by(Inspection.planned_date.nulls_last(), Inspection.created_at,
                                             Inspection.id).limit(page_size).offset((page - 1) * page_size)).all()
    orders = {o.id: o for o in db.session.scalars(select(ProductionOrder).where(
        ProductionOrder.id.in_({i.production_order_id for i in found})))}
    return [{"inspection": i, "readiness": readiness_of(orders[i.production_order_id], i.inspection_type)}
            for i in found], total


def readiness_of(order: ProductionOrder, inspection_type: str) -> Readiness:
    if inspection_type == "inline":
        later = MILESTONE_STAGES[MILESTONE_STAGES.index(INLINE_FROM_STAGE):]
        started = db.session.scalar(select(MilestoneEvent.id).where(
            MilestoneEvent.production_order_id == order.id, MilestoneEvent.stage.in_(later),
            MilestoneEvent.deleted_at.is_(None)).limit(1))
        return Readiness(True, None) if started is not None else Readiness(False, "sewing_not_started")
    if inspection_type == "final":
        # Milestone quantities are cumulative: the stage's latest, highest figure is what is packed so far.
        packed = db.session.scalar(select(func.max(MilestoneEvent.quantity)).where(
            MilestoneEvent.production_order_id == order.id, MilestoneEvent.stage.in_(("packed", "shipped")),
            MilestoneEvent.deleted_at.is_(None))) or 0
        needed = math.ceil(order.quantity * current_app.config["BOOKING_FINAL_PACKED_PERCENT"] / 100)
        return Readiness(packed >= needed, None if packed >= needed else "packed_below_threshold", packed, needed)
    return Readiness(True, None)


def _aql_defaults(order: ProductionOrder, inspection_type: str) -> dict:
    """The level and AQLs set for the order's product category and the type, for the booker to keep or change."""
    style = db.session.scalar(select(Style).join(PurchaseOrderLine, PurchaseOrderLine.style_id == Style.id)
                              .where(PurchaseOrderLine.id == order.purchase_order_line_id))
    row = style and db.session.scalar(select(AqlDefault).where(
        AqlDefault.product_category == style.category, AqlDefault.inspection_type == inspection_type,
        AqlDefault.deleted_at.is_(None)))
    if not row:
        return {}
    return {key: getattr(row, key) for key in ("inspection_level", "aql_critical", "aql_major", "aql_minor")}


def _visible_order(user: User, order_id) -> ProductionOrder:
    order = db.session.get(ProductionOrder, order_id)
    if order is None or order.is_deleted:
        raise validation_error({"production_order_id": ["No such production order."]})
    try:
        require_factory(user, order.factory_id, "production order")
    except ApiError as hidden:
        raise validation_error({"production_order_id": ["No such production order."]}) from hidden
    return order

