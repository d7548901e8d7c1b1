"""Design review: designers close the loop on what inspectors found.

A review names a group of defects of one finalized inspection -- one defect
type at one severity, for one style the inspection covered -- and says why
they happened (root cause), where the fix stands (status) and which tech-pack
version of that style carries it. The discussion is a thread of comments,
each its own append-only record. Both sync to the phones of the inspection's
factory, so inspectors see on a style what design changed and why.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import Versioned
from server.models.vocab import REVIEW_ROOT_CAUSES, REVIEW_STATUSES, SEVERITIES, check_in


class DefectReview(Versioned, db.Model):
    __tablename__ = "defect_reviews"
    __entity__ = "defect_review"
    # Reviewed after the fact: the inspection is finalized (read-only) before a review may name it.
    __written_after_finalize__ = True
    __table_args__ = (
        CheckConstraint(check_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(check_in("status", REVIEW_STATUSES), name="status"),
        CheckConstraint(f"root_cause IS NULL OR {check_in('root_cause', REVIEW_ROOT_CAUSES)}", name="root_cause"),
        # The review queue looks a group's review up by these.
        Index("ix_defect_reviews_group", "inspection_id", "defect_type_id", "severity", "style_id"),
    )

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    style_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("styles.id"), index=True)
    defect_type_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("defect_types.id"))
    severity: Mapped[str] = mapped_column(String(10))
    root_cause: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new")
    # The tech-pack version (of the same style) that carries the fix.
    fix_tech_pack_version_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("tech_pack_versions.id"), index=True)


class ReviewComment(Versioned, db.Model):
    """One message of a review's thread; never changed or deleted (a correction is a new comment)."""

    __tablename__ = "review_comments"
    __entity__ = "review_comment"

    review_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("defect_reviews.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
