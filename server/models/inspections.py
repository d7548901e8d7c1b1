"""Inspections and what is recorded during one: defects, photos,
measurements and checklist answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, Versioned
from server.models.vocab import (
    CHECKLIST_RESULTS,
    COUNT_BASES,
    DISPOSITIONS,
    INSPECTION_LEVELS,
    INSPECTION_STATUSES,
    INSPECTION_TYPES,
    PHOTO_KINDS,
    PHOTO_STATES,
    SEVERITIES,
    SWITCHING_STATES,
    VERDICTS,
    check_in,
)


def _nullable_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IS NULL OR {check_in(column, values)}"


class Inspection(Versioned, db.Model):
    __tablename__ = "inspections"
    __entity__ = "inspection"
    __table_args__ = (
        CheckConstraint(check_in("inspection_type", INSPECTION_TYPES), name="inspection_type"),
        CheckConstraint(check_in("status", INSPECTION_STATUSES), name="status"),
        # Bookings not started yet, soonest first (server/services/bookings.py).
        Index("ix_inspections_status_planned_date", "status", "planned_date"),
        CheckConstraint(check_in("inspection_level", INSPECTION_LEVELS), name="inspection_level"),
        CheckConstraint(check_in("count_basis", COUNT_BASES), name="count_basis"),
        CheckConstraint(check_in("switching_critical", SWITCHING_STATES), name="switching_critical"),
        CheckConstraint(check_in("switching_major", SWITCHING_STATES), name="switching_major"),
        CheckConstraint(check_in("switching_minor", SWITCHING_STATES), name="switching_minor"),
        CheckConstraint(_nullable_in("verdict", VERDICTS), name="verdict"),
        CheckConstraint(_nullable_in("verdict_critical", VERDICTS), name="verdict_critical"),
        CheckConstraint(_nullable_in("verdict_major", VERDICTS), name="verdict_major"),
        CheckConstraint(_nullable_in("verdict_minor", VERDICTS), name="verdict_minor"),
        CheckConstraint(_nullable_in("disposition", DISPOSITIONS), name="disposition"),
        CheckConstraint("lot_size > 0", name="lot_size_positive"),
        # The lists behind the managers' figures: newest first, and the rejected lots.
        Index("ix_inspections_finished_at", "finished_at"),
        Index("ix_inspections_verdict_finished_at", "verdict", "finished_at"),
    )

    inspection_type: Mapped[str] = mapped_column(String(20))
    # The inspection this one repeats (after rework); excluded from switching rules.
    reinspection_of_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("inspections.id"))
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    production_order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("production_orders.id"), index=True)
    tech_pack_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tech_pack_versions.id"))
    inspector_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    planned_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")

    # Sampling set-up (ISO 2859-1).
    lot_size: Mapped[int] = mapped_column(Integer)
    inspection_level: Mapped[str] = mapped_column(String(4), default="II")
    count_basis: Mapped[str] = mapped_column(String(20), default="nonconformities")
    aql_critical: Mapped[str] = mapped_column(String(8), default="0")
    aql_major: Mapped[str] = mapped_column(String(8), default="2.5")
    aql_minor: Mapped[str] = mapped_column(String(8), default="4.0")
    switching_critical: Mapped[str] = mapped_column(String(10), default="normal")
    switching_major: Mapped[str] = mapped_column(String(10), default="normal")
    switching_minor: Mapped[str] = mapped_column(String(10), default="normal")
    # The plan computed for this set-up: stored once, never rewritten.
    plan: Mapped[dict | None] = mapped_column(JSON)

    # Outcome.
    verdict_critical: Mapped[str | None] = mapped_column(String(4))
    verdict_major: Mapped[str | None] = mapped_column(String(4))
    verdict_minor: Mapped[str | None] = mapped_column(String(4))
    verdict: Mapped[str | None] = mapped_column(String(4))
    disposition: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the canonical JSON of the finalized record (server.services.content_hash), set at finalize.
    content_hash: Mapped[str | None] = mapped_column(String(64))

    # Quantity check (final inspections).
    ordered_quantity: Mapped[int | None] = mapped_column(Integer)
    packed_quantity: Mapped[int | None] = mapped_column(Integer)
    carton_count: Mapped[int | None] = mapped_column(Integer)
    cartons_opened: Mapped[list | None] = mapped_column(JSON)

    # Where the device was at start and finalize, when the user allowed it.
    start_location: Mapped[dict | None] = mapped_column(JSON)
    finish_location: Mapped[dict | None] = mapped_column(JSON)

    items: Mapped[list[InspectionItem]] = relationship(
        primaryjoin="and_(Inspection.id == InspectionItem.inspection_id, InspectionItem.deleted_at.is_(None))",
        viewonly=True,
    )
    defects: Mapped[list[InspectionDefect]] = relationship(
        primaryjoin="and_(Inspection.id == InspectionDefect.inspection_id, InspectionDefect.deleted_at.is_(None))",
        viewonly=True,
    )

    @property
    def photos_pending(self) -> int:
        """Photos recorded for this inspection (or its defects) whose bytes have not arrived yet."""
        from sqlalchemy import func, select
        from sqlalchemy.orm import object_session

        session = object_session(self)
        if session is None:
            return 0
        return session.scalar(select(func.count()).select_from(Photo).where(
            Photo.inspection_id == self.id, Photo.storage_state == "pending", Photo.deleted_at.is_(None)))


class InspectionItem(Versioned, db.Model):
    """A purchase-order line or style covered by an inspection."""

    __tablename__ = "inspection_items"
    __entity__ = "inspection_item"

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    style_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("styles.id"), index=True)
    purchase_order_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("purchase_order_lines.id"))
    quantity: Mapped[int | None] = mapped_column(Integer)


class InspectionDefect(Versioned, db.Model):
    """One defect found: its own record, so tallies from two devices add up."""

    __tablename__ = "inspection_defects"
    __entity__ = "inspection_defect"
    __table_args__ = (CheckConstraint(check_in("severity", SEVERITIES), name="severity"),)
    # What was found never changes (the registry's immutable fields, InspectionDefectSchema.IMMUTABLE);
    # the annotations may be completed later.

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    defect_type_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("defect_types.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    location: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    sample_unit: Mapped[int | None] = mapped_column(Integer)


class Photo(Versioned, db.Model):
    """A photo's record; its bytes are stored by content hash and may arrive later."""

    __tablename__ = "photos"
    __entity__ = "photo"
    __table_args__ = (
        CheckConstraint(check_in("kind", PHOTO_KINDS), name="kind"),
        CheckConstraint(check_in("storage_state", PHOTO_STATES), name="storage_state"),
    )

    sha256: Mapped[str] = mapped_column(String(64), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="defect")
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("inspections.id"), index=True)
    defect_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("inspection_defects.id"), index=True)
    milestone_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("milestone_events.id"), index=True)
    corrective_action_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("corrective_actions.id"),
                                                                   index=True)
    caption: Mapped[str | None] = mapped_column(String(500))
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    storage_state: Mapped[str] = mapped_column(String(10), default="pending")


class MeasurementResult(Versioned, db.Model):
    __tablename__ = "measurement_results"
    __entity__ = "measurement_result"

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    measurement_spec_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("measurement_specs.id"))
    sample_unit: Mapped[int] = mapped_column(Integer, default=1)
    measured_value: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    note: Mapped[str | None] = mapped_column(Text)


class ChecklistResult(Versioned, db.Model):
    __tablename__ = "checklist_results"
    __entity__ = "checklist_result"
    __table_args__ = (CheckConstraint(check_in("result", CHECKLIST_RESULTS), name="result"),)

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(Text)
