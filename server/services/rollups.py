"""Keeping server.models.analytics's rollups in step with finalized inspections.

``add_finalized`` runs inside finalize's transaction (REST and sync push alike),
so a figure or a review-queue group never misses a finalized inspection nor
counts one that was rolled back. ``rebuild`` recomputes every table from the
records with grouped INSERT ... SELECT queries: after data written outside
finalize (the demo seed, the benchmark, an import of old records), or to check
the incremental path. The review queue's groups copy what the queue filters and
orders by from the style and the defect type: ``restate_style`` and
``restate_defect_type`` rewrite those copies when an admin edits either.
"""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import String, Uuid, and_, case, cast, delete, func, insert, literal, null, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from server.extensions import db
from server.models import (
    DefectGroup,
    DefectRollup,
    DefectType,
    FigureRollup,
    Inspection,
    InspectionDefect,
    InspectionItem,
    Style,
)
from server.services.inspections import SEVERITY_CLASSES

KEY = ("day", "factory_id", "inspection_type", "inspector_id", "kind", "style_id", "category")
FIGURES = ("inspections", "passed", "original_inspections", "original_passed", "units_inspected", "defects")
DEFECT_COUNTS = ("count", "critical", "major", "minor")
# The review queue shows the worst defects first.
SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}
# What a defect group copies from its style and its defect type: {group column: record attribute}.
STYLE_COPIES = {"style_number": "style_number", "season": "season", "category": "category"}
DEFECT_TYPE_COPIES = {"defect_code": "code", "defect_category": "category"}


class UtcDay(FunctionElement):
    """The UTC calendar day of a timestamp."""

    inherit_cache = True


@compiles(UtcDay, "sqlite")
def _utc_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"  # stored in UTC already


@compiles(UtcDay, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS date)"


def _finalized():
    return and_(Inspection.status == "finalized", Inspection.deleted_at.is_(None))


def _dimension_rows(kind: str):
    """(inspection_id, style_id, category) once per inspection and dimension value."""
    if kind == "style":
        return (select(InspectionItem.inspection_id.label("inspection_id"), InspectionItem.style_id.label("style_id"),
                       null().label("category"))
                .where(InspectionItem.deleted_at.is_(None)).distinct().subquery("dimension"))
    return (select(InspectionItem.inspection_id.label("inspection_id"), cast(null(), Uuid).label("style_id"),
                   Style.category.label("category"))
            .join(Style, Style.id == InspectionItem.style_id)
            .where(InspectionItem.deleted_at.is_(None)).distinct().subquery("dimension"))


def rebuild() -> None:
    """Every rollup table from scratch, one grouped query per table and kind."""
    from server.services.analytics import units_inspected

    db.session.execute(delete(FigureRollup))
    db.session.execute(delete(DefectRollup))
    _rebuild_defect_groups()
    counts = (select(InspectionDefect.inspection_id.label("inspection_id"), func.count().label("n"))
              .where(InspectionDefect.deleted_at.is_(None))
              .group_by(InspectionDefect.inspection_id).subquery("defect_counts"))
    original = Inspection.reinspection_of_id.is_(None)
    passed = Inspection.verdict == "pass"
    day = UtcDay(Inspection.finished_at)
    for kind in ("all", "style", "category"):
        key = [day, Inspection.factory_id, Inspection.inspection_type, Inspection.inspector_id]
        figures = (select(*key, literal(kind, String).label("kind")).select_from(Inspection)
                   .outerjoin(counts, counts.c.inspection_id == Inspection.id))
        defects = (select(*key, literal(kind, String).label("kind")).select_from(InspectionDefect)
                   .join(Inspection, Inspection.id == InspectionDefect.inspection_id))
        if kind == "all":
            nothing = (cast(null(), Uuid).label("style_id"), cast(null(), String).label("category"))
            figures = figures.add_columns(*nothing)
            defects = defects.add_columns(*nothing)
            group = key
        else:
            dim = _dimension_rows(kind)
            figures = figures.add_columns(dim.c.style_id, dim.c.category).join(dim, dim.c.inspection_id == Inspection.id)
            defects = defects.add_columns(dim.c.style_id, dim.c.category).join(dim, dim.c.inspection_id == Inspection.id)
            group = [*key, dim.c.style_id, dim.c.category]
        figures = (figures.add_columns(
            func.count(), func.sum(case((passed, 1), else_=0)), func.sum(case((original, 1), else_=0)),
            func.sum(case((and_(original, passed), 1), else_=0)), func.sum(units_inspected()),
            func.sum(func.coalesce(counts.c.n, 0)))
            .where(_finalized()).group_by(*group))
        db.session.execute(insert(FigureRollup).from_select([*KEY, *FIGURES], figures))
        defects = (defects.add_columns(
            InspectionDefect.defect_type_id, func.count(),
            *[func.sum(case((InspectionDefect.severity == cls, 1), else_=0)) for cls in SEVERITY_CLASSES])
            .where(_finalized(), InspectionDefect.deleted_at.is_(None))
            .group_by(*group, InspectionDefect.defect_type_id))
        db.session.execute(insert(DefectRollup).from_select([*KEY, "defect_type_id", *DEFECT_COUNTS], defects))


def _rebuild_defect_groups() -> None:
    """The review queue's groups: each live defect of a finalized inspection, once per style it covered."""
    from server.services.reviews import inspection_styles

    db.session.execute(delete(DefectGroup))
    styles = inspection_styles()
    groups = (select(Inspection.id, styles.c.style_id, InspectionDefect.defect_type_id, InspectionDefect.severity,
                     func.count(), Inspection.factory_id, Inspection.finished_at,
                     case(SEVERITY_RANK, value=InspectionDefect.severity),
                     *[getattr(Style, a) for a in STYLE_COPIES.values()],
                     *[getattr(DefectType, a) for a in DEFECT_TYPE_COPIES.values()])
              .select_from(InspectionDefect)
              .join(Inspection, Inspection.id == InspectionDefect.inspection_id)
              .join(styles, styles.c.inspection_id == Inspection.id)
              .join(Style, Style.id == styles.c.style_id)
              .join(DefectType, DefectType.id == InspectionDefect.defect_type_id)
              .where(_finalized(), InspectionDefect.deleted_at.is_(None))
              .group_by(Inspection.id, styles.c.style_id, InspectionDefect.defect_type_id, InspectionDefect.severity,
                        Inspection.factory_id, Inspection.finished_at,
                        *[getattr(Style, a) for a in STYLE_COPIES.values()],
                        *[getattr(DefectType, a) for a in DEFECT_TYPE_COPIES.values()]))
    db.session.execute(insert(DefectGroup).from_select(
        ["inspection_id", "style_id", "defect_type_id", "severity", "count", "factory_id", "finished_at",
         "severity_rank", *STYLE_COPIES, *DEFECT_TYPE_COPIES], groups))


def add_finalized(inspection: Inspection) -> None:
    """Add one just-finalized inspection to the rollups (inside finalize's transaction)."""
    day = inspection.finished_at.astimezone(UTC).date()
    base = {"day": day, "factory_id": inspection.factory_id, "inspection_type": inspection.inspection_type,
            "inspector_id": inspection.inspector_id}
    items = db.session.execute(
        select(InspectionItem.style_id, Style.category).join(Style, Style.id == InspectionItem.style_id)
        .where(InspectionItem.inspection_id == inspection.id, InspectionItem.deleted_at.is_(None))).all()
    keys = [{**base, "kind": "all", "style_id": None, "category": None}]
    keys += [{**base, "kind": "style", "style_id": s, "category": None} for s in sorted({i.style_id for i in items})]
    keys += [{**base, "kind": "category", "style_id": None, "category": c} for c in sorted({i.category for i in items})]
    found = db.session.execute(
        select(InspectionDefect.defect_type_id, InspectionDefect.severity, func.count())
        .where(InspectionDefect.inspection_id == inspection.id, InspectionDefect.deleted_at.is_(None))
        .group_by(InspectionDefect.defect_type_id, InspectionDefect.severity)).all()
    plan = inspection.plan or {}
    original = inspection.reinspection_of_id is None
    passed = inspection.verdict == "pass"
    figures = {"inspections": 1, "passed": int(passed), "original_inspections": int(original),
               "original_passed": int(original and passed),
               "units_inspected": max([(plan.get(cls) or {}).get("sample_size") or 0 for cls in SEVERITY_CLASSES]),
               "defects": sum(n for _, _, n in found)}
    by_type: dict = {}
    for defect_type_id, severity, n in found:
        row = by_type.setdefault(defect_type_id, dict.fromkeys(DEFECT_COUNTS, 0))
        row["count"] += n
        row[severity] += n
    for key in keys:
        _increment(FigureRollup, key, figures)
        for defect_type_id, row in by_type.items():
            _increment(DefectRollup, {**key, "defect_type_id": defect_type_id}, row)
    _add_defect_groups(inspection, found)


def _add_defect_groups(inspection: Inspection, found: list) -> None:
    """The review queue's groups of one just-finalized inspection: (defect type, severity) x style covered."""
    from server.services.reviews import styles_of

    style_ids = styles_of(inspection)
    if not found or not style_ids:
        return
    styles = db.session.scalars(select(Style).where(Style.id.in_(style_ids))).all()
    types = {t.id: t for t in db.session.scalars(
        select(DefectType).where(DefectType.id.in_({defect_type_id for defect_type_id, _, _ in found})))}
    db.session.execute(insert(DefectGroup), [
        {"inspection_id": inspection.id, "style_id": style.id, "defect_type_id": defect_type_id,
         "severity": severity, "count": n, "factory_id": inspection.factory_id,
         "finished_at": inspection.finished_at, "severity_rank": SEVERITY_RANK[severity],
         **{column: getattr(style, a) for column, a in STYLE_COPIES.items()},
         **{column: getattr(types[defect_type_id], a) for column, a in DEFECT_TYPE_COPIES.items()}}
        for style in styles for defect_type_id, severity, n in found])


def restate_style(style: Style) -> None:
    """Copy a style's number, season and category to its review-queue groups (after an edit)."""
    db.session.execute(update(DefectGroup).where(DefectGroup.style_id == style.id).values(
        {column: getattr(style, a) for column, a in STYLE_COPIES.items()}).execution_options(
        synchronize_session=False))


def restate_defect_type(defect_type: DefectType) -> None:
    """Copy a defect type's code and category to its review-queue groups (after an edit)."""
    db.session.execute(update(DefectGroup).where(DefectGroup.defect_type_id == defect_type.id).values(
        {column: getattr(defect_type, a) for column, a in DEFECT_TYPE_COPIES.items()}).execution_options(
        synchronize_session=False))


def _increment(model, key: dict, amounts: dict) -> None:
    """Add to the key's row, or start it. Two transactions that both start one leave two rows
    with the same key, which every figure sums alike."""
    match = [getattr(model, k).is_(None) if v is None else getattr(model, k) == v for k, v in key.items()]
    done = db.session.execute(update(model).where(*match).values(
        {k: getattr(model, k) + v for k, v in amounts.items()}).execution_options(synchronize_session=False))
    if done.rowcount == 0:
        db.session.execute(insert(model).values(**key, **amounts))
