"""Rollups of finalized inspections for the managers' figures.

Derived data, not domain records: kept in step with finalize in the same
transaction (server.services.rollups.add_finalized) and rebuilt from the
records by one grouped query per table (rollups.rebuild), never synced.
One row per UTC day, factory, inspection type, inspector and dimension:
``kind`` "all" counts each inspection once; "style" once per style it
covers; "category" once per product category.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime

# The figures' filters, each leading an index with the rollup kind and the day: a factory's scorecard, an
# inspector's or a factory user's own figures, one style, category or inspection type read their rows only
# (tests/api/test_query_plans.py finds them read whole without).
FILTERED_BY = ("factory_id", "inspector_id", "style_id", "category", "inspection_type")


def _filter_indexes(table: str) -> tuple[Index, ...]:
    return tuple(Index(f"ix_{table}_{column}_kind_day", column, "kind", "day") for column in FILTERED_BY)


class _RollupKey:
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    inspection_type: Mapped[str] = mapped_column(String(20))
    inspector_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(10))
    style_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    category: Mapped[str | None] = mapped_column(String(32))


class FigureRollup(_RollupKey, db.Model):
    __tablename__ = "figure_rollups"
    # Covering: the dashboard's sums read the index alone, never the table.
    __table_args__ = (Index("ix_figure_rollups_kind_day", "kind", "day", "factory_id", "inspection_type",
                            "style_id", "category", "inspector_id", "inspections", "passed", "original_inspections",
                            "original_passed", "units_inspected", "defects"),
                      *_filter_indexes("figure_rollups"))

    inspections: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    original_inspections: Mapped[int] = mapped_column(Integer, default=0)
    original_passed: Mapped[int] = mapped_column(Integer, default=0)
    units_inspected: Mapped[int] = mapped_column(Integer, default=0)
    defects: Mapped[int] = mapped_column(Integer, default=0)


class DefectRollup(_RollupKey, db.Model):
    __tablename__ = "defect_rollups"
    __table_args__ = (Index("ix_defect_rollups_kind_day", "kind", "day", "defect_type_id", "factory_id",
                            "inspection_type", "style_id", "category", "inspector_id", "count", "critical", "major",
                            "minor"),
                      *_filter_indexes("defect_rollups"))

    defect_type_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    count: Mapped[int] = mapped_column(Integer, default=0)
    critical: Mapped[int] = mapped_column(Integer, default=0)
    major: Mapped[int] = mapped_column(Integer, default=0)
    minor: Mapped[int] = mapped_column(Integer, default=0)


class DefectGroup(db.Model):
    """The design-review queue's groups: one row per finalized inspection, style it covered, defect type and
    severity, with how many defects it holds (server.services.reviews.queue).

    Kept like the figures: added in finalize's transaction (rollups.add_finalized), rebuilt from the records by
    rollups.rebuild. The inspection's side never changes once finalized; what the queue filters and orders by
    from the style and the defect type (number, season, category; code, category) is copied here so that a
    page is read in index order, and rewritten when an admin edits the style or the defect type
    (rollups.restate_style / restate_defect_type). The group's review is not copied: the queue joins the live
    review by the group's key.
    """

    __tablename__ = "defect_groups"

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    style_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    defect_type_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    severity: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    severity_rank: Mapped[int] = mapped_column(Integer)  # 0 critical, 1 major, 2 minor: worst first
    style_number: Mapped[str] = mapped_column(String(40))
    season: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    defect_code: Mapped[str] = mapped_column(String(32))
    defect_category: Mapped[str] = mapped_column(String(32), index=True)


# The queue's order (style, worst severity first, newest first, defect code, inspection): a page is the next
# rows of this index, where a table scan would sort every group.
Index("ix_defect_groups_queue_order", DefectGroup.style_number, DefectGroup.style_id, DefectGroup.severity_rank,
      DefectGroup.finished_at.desc(), DefectGroup.defect_code, DefectGroup.inspection_id)
