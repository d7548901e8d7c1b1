"""Purchase orders, production orders and work-in-progress milestones."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import Versioned
from server.models.vocab import (
    DELAY_REASONS,
    INCOTERMS,
    MILESTONE_STAGES,
    PRODUCTION_ORDER_STATUSES,
    PURCHASE_ORDER_STATUSES,
    check_in,
)


class PurchaseOrder(Versioned, db.Model):
    """What the brand commits to buy from a factory."""

    __tablename__ = "purchase_orders"
    __entity__ = "purchase_order"
    __table_args__ = (
        CheckConstraint(check_in("status", PURCHASE_ORDER_STATUSES), name="status"),
        CheckConstraint("incoterm IS NULL OR " + check_in("incoterm", INCOTERMS), name="incoterm"),
    )

    po_number: Mapped[str] = mapped_column(String(40), unique=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    notes: Mapped[str | None] = mapped_column(Text)
    # The selling season the order is for ("SS26"), as styles name theirs.
    season: Mapped[str | None] = mapped_column(String(16), index=True)
    incoterm: Mapped[str | None] = mapped_column(String(3))

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order",
        primaryjoin="and_(PurchaseOrder.id == PurchaseOrderLine.purchase_order_id, PurchaseOrderLine.deleted_at.is_(None))",
        viewonly=True,
    )


class PurchaseOrderLine(Versioned, db.Model):
    __tablename__ = "purchase_order_lines"
    __entity__ = "purchase_order_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    purchase_order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("purchase_orders.id"), index=True)
    # Denormalised from the purchase order: replication scope is by factory.
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    style_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("styles.id"), index=True)
    colourway: Mapped[str] = mapped_column(String(80))
    # {"S": 120, "M": 240, ...}; quantity is its sum.
    size_breakdown: Mapped[dict] = mapped_column(JSON, default=dict)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    ex_factory_date: Mapped[date] = mapped_column(Date)
    # When the goods are due in the brand's warehouse (after shipping), where known.
    in_warehouse_date: Mapped[date | None] = mapped_column(Date)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines", foreign_keys=[purchase_order_id])


class ProductionOrder(Versioned, db.Model):
    """The factory-side work fulfilling (part of) a purchase order."""

    __tablename__ = "production_orders"
    __entity__ = "production_order"
    __table_args__ = (CheckConstraint(check_in("status", PRODUCTION_ORDER_STATUSES), name="status"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("purchase_orders.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    purchase_order_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("purchase_order_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_finish: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # How the purchase order is split: by the factory's sewing line, by colourway, or by delivery.
    factory_line: Mapped[str | None] = mapped_column(String(40))
    colourway: Mapped[str | None] = mapped_column(String(80))
    ex_factory_date: Mapped[date | None] = mapped_column(Date)
    # The planned date of each milestone stage: {"cut": "2026-03-02", "sewing": "2026-03-09", ...} (ISO dates).
    stage_plan: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")


class MilestoneEvent(Versioned, db.Model):
    """A production order reaching (part of) a stage. Append-only.

    A stage's state is its latest event (ties broken by ``server_version``);
    a correction is a new event, so two devices never conflict.
    """

    __tablename__ = "milestone_events"
    __entity__ = "milestone_event"
    __table_args__ = (
        CheckConstraint(check_in("stage", MILESTONE_STAGES), name="stage"),
        CheckConstraint("delay_reason IS NULL OR " + check_in("delay_reason", DELAY_REASONS), name="delay_reason"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )
    # Append-only: the registry gives no role update or delete (server/services/entities.py).

    production_order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("production_orders.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    delay_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
