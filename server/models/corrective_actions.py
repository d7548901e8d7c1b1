"""Corrective actions (CAPA): what a factory does about a failed inspection or a critical defect.

One action per inspection, whoever opens it: its id is derived from the inspection's
(UUIDv5 under a fixed namespace), so the server opening it at finalize and a phone
opening it offline name the same record, and the sync protocol merges the two writes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, Versioned
from server.models.vocab import CORRECTIVE_ACTION_STATUSES, check_in

# Never change it: phones compute the same ids (pwa/js/corrective-actions.js) and stored actions carry them.
CORRECTIVE_ACTION_NAMESPACE = uuid.UUID("6f1c3a52-9e0b-5d47-8a6e-2b4f7c9d1e30")


def corrective_action_id(inspection_id: uuid.UUID) -> uuid.UUID:
    """The id of the one corrective action an inspection can open."""
    return uuid.uuid5(CORRECTIVE_ACTION_NAMESPACE, str(inspection_id))


class CorrectiveAction(Versioned, db.Model):
    __tablename__ = "corrective_actions"
    __entity__ = "corrective_action"
    __table_args__ = (CheckConstraint(check_in("status", CORRECTIVE_ACTION_STATUSES), name="status"),)
    # Answered after its inspection is finalized: the finalized inspection's read-only rule does not reach it.
    __written_after_finalize__ = True

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inspections.id"), unique=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="open")
    problem: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    evidence_notes: Mapped[str | None] = mapped_column(Text)
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verification_note: Mapped[str | None] = mapped_column(Text)
    # The later inspection of the same production order that checked the fix.
    reinspection_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("inspections.id"))

    def is_overdue(self, today: date) -> bool:
        """Past its due date and not closed; computed, never stored (it changes with the calendar)."""
        return self.due_date is not None and self.due_date < today and self.status != "closed"
