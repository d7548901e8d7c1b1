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
from datetime import date

from sqlalchemy import Date, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db

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
