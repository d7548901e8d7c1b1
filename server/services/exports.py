"""CSV exports: inspections, defects, measurements and every dashboard table.

Streamed: rows come from the database in batches (``yield_per``) and leave as
CSV text batch by batch, so a large export never sits in memory. UTF-8 with a
byte-order mark, so spreadsheet programs read Bengali, Chinese and Vietnamese
text right. A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return is prefixed with an apostrophe, so a spreadsheet shows it as
text instead of running it as a formula (numbers are written as numbers).
Filters are the ones of the screens (server.services.analytics.Filters).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from sqlalchemy import case, or_, select

from server.extensions import db
from server.models import (
    DefectType,
    Factory,
    Inspection,
    InspectionDefect,
    MeasurementResult,
    MeasurementSpec,
    ProductionOrder,
    PurchaseOrder,
    Style,
    User,
)
from server.services import analytics
from server.services.analytics import Filters

BOM = "\ufeff"
BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell as written: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return value
    return str(value)


def stream_csv(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text: the BOM and the header first, then one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _streamed(stmt):
    """Rows in batches; PostgreSQL uses a server-side cursor."""
    return db.session.execute(stmt.execution_options(yield_per=BATCH, stream_results=True))


def _iso(value):
    return value.isoformat() if value is not None else None


# --- raw records ------------------------------------------------------------------------------------

INSPECTION_HEADER = ["inspection_id", "finished_at", "factory_code", "factory", "type", "po_number",
                     "production_order", "inspector", "reinspection_of", "lot_size", "units_inspected",
                     "verdict", "verdict_critical", "verdict_major", "verdict_minor", "disposition",
                     "critical", "major", "minor", "aql_critical", "aql_major", "aql_minor",
                     "switching_critical", "switching_major", "switching_minor", "reason", "notes"]
CLASSES = ("critical", "major", "minor")


def inspections(user, f: Filters) -> tuple[list[str], Iterator]:
    counts = analytics._class_counts()
    stmt = (select(Inspection, Factory.code, Factory.name, PurchaseOrder.po_number, ProductionOrder.number,
                   User.display_name, analytics.units_inspected(), *[counts.c[cls] for cls in CLASSES])
            .join(Factory, Factory.id == Inspection.factory_id)
            .outerjoin(ProductionOrder, ProductionOrder.id == Inspection.production_order_id)
            .outerjoin(PurchaseOrder, PurchaseOrder.id == ProductionOrder.purchase_order_id)
            .outerjoin(User, User.id == Inspection.inspector_id)
            .outerjoin(counts, counts.c.inspection_id == Inspection.id)
            .where(*analytics.counted_conditions(user, f))
            .order_by(Inspection.finished_at, Inspection.id))

    def rows():
        for i, code, name, po_number, order_number, inspector, units, *found in _streamed(stmt):
            found = {cls: n or 0 for cls, n in zip(CLASSES, found, strict=False)}
            yield [i.id, _iso(i.finished_at), code, name, i.inspection_type, po_number, order_number, inspector,
                   i.reinspection_of_id, i.lot_size, units, i.verdict, i.verdict_critical, i.verdict_major,
                   i.verdict_minor, i.disposition, *found.values(), i.aql_critical, i.aql_major, i.aql_minor,
                   i.switching_critical, i.switching_major, i.switching_minor,
                   analytics.rejection_reason(i, found), i.notes]
            db.session.expunge(i)  # the identity map would otherwise keep every exported inspection
    return INSPECTION_HEADER, rows()


DEFECT_HEADER = ["defect_id", "inspection_id", "finished_at", "factory_code", "factory", "type", "po_number",
                 "defect_code", "defect", "defect_category", "severity", "location", "note", "sample_unit"]


def defects(user, f: Filters) -> tuple[list[str], Iterator]:
    stmt = (select(InspectionDefect.id, Inspection.id, Inspection.finished_at, Factory.code, Factory.name,
                   Inspection.inspection_type, PurchaseOrder.po_number, DefectType.code, DefectType.name,
                   DefectType.category, InspectionDefect.severity, InspectionDefect.location, InspectionDefect.note,
                   InspectionDefect.sample_unit)
            .select_from(InspectionDefect)
            .join(Inspection, Inspection.id == InspectionDefect.inspection_id)
            .join(Factory, Factory.id == Inspection.factory_id)
            .join(DefectType, DefectType.id == InspectionDefect.defect_type_id)
            .outerjoin(ProductionOrder, ProductionOrder.id == Inspection.production_order_id)
            .outerjoin(PurchaseOrder, PurchaseOrder.id == ProductionOrder.purchase_order_id)
            .where(InspectionDefect.deleted_at.is_(None), *analytics.counted_conditions(user, f))
            .order_by(Inspection.finished_at, Inspection.id, InspectionDefect.id))
    if f.defect_type_id:
        stmt = stmt.where(InspectionDefect.defect_type_id == f.defect_type_id)

    def rows():
        for r in _streamed(stmt):
            r = list(r)
            r[2] = _iso(r[2])
            yield r
    return DEFECT_HEADER, rows()


MEASUREMENT_HEADER = ["measurement_id", "inspection_id", "finished_at", "factory_code", "style_number", "size",
                      "point_code", "point", "unit", "spec", "tolerance_minus", "tolerance_plus", "sample_unit",
                      "measured", "deviation", "out_of_tolerance"]


def measurements(user, f: Filters) -> tuple[list[str], Iterator]:
    spec = MeasurementSpec
    measured = MeasurementResult.measured_value
    out = or_(measured < spec.spec_value - spec.tolerance_minus, measured > spec.spec_value + spec.tolerance_plus)
    stmt = (select(MeasurementResult.id, Inspection.id, Inspection.finished_at, Factory.code, Style.style_number,
                   spec.size, spec.point_code, spec.point_name, spec.unit, spec.spec_value, spec.tolerance_minus,
                   spec.tolerance_plus, MeasurementResult.sample_unit, measured, measured - spec.spec_value,
                   case((out, True), else_=False))
            .select_from(MeasurementResult)
            .join(Inspection, Inspection.id == MeasurementResult.inspection_id)
            .join(Factory, Factory.id == Inspection.factory_id)
            .join(spec, spec.id == MeasurementResult.measurement_spec_id)
            .join(Style, Style.id == spec.style_id)
            .where(MeasurementResult.deleted_at.is_(None), *analytics.counted_conditions(user, f))
            .order_by(Inspection.finished_at, Inspection.id, spec.point_code, MeasurementResult.sample_unit,
                      MeasurementResult.id))

    def rows():
        for r in _streamed(stmt):
            r = list(r)
            r[2] = _iso(r[2])
            r[15] = bool(r[15])
            yield r
    return MEASUREMENT_HEADER, rows()


# --- the dashboard's tables -------------------------------------------------------------------------

FIGURE_COLUMNS = ["inspections", "passed", "failed", "pass_rate", "original_inspections", "original_passed",
                  "first_time_pass_rate", "reinspections", "units_inspected", "defects", "dhu"]


def pass_rates(user, f: Filters, group: str) -> tuple[list[str], Iterator]:
    answer = analytics.pass_rates(user, f, group)
    if group == "period":
        header = ["period_start", "period_end", *FIGURE_COLUMNS]
        return header, ([r["period_start"], r["period_end"], *[r[c] for c in FIGURE_COLUMNS]] for r in answer["rows"])
    return ["key", group, *FIGURE_COLUMNS], ([r["key"], r["label"], *[r[c] for c in FIGURE_COLUMNS]]
                                            for r in answer["rows"])


def pareto(user, f: Filters, limit: int) -> tuple[list[str], Iterator]:
    answer = analytics.pareto(user, f, limit)
    columns = ["code", "name", "category", "count", "critical", "major", "minor", "share", "cumulative_share"]
    return columns, ([r[c] for c in columns] for r in answer["rows"])


def rejected_lots(user, f: Filters) -> tuple[list[str], Iterator]:
    return inspections(user, Filters(**{**f.__dict__, "verdict": "fail"}))


def switching(user) -> tuple[list[str], Iterator]:
    header = ["factory_code", "factory", "state", "reason",
              *[f"{cls}_{part}" for cls in CLASSES for part in ("state", "lots")]]
    rows = analytics.switching_states(user)
    return header, ([r["factory_code"], r["factory_name"], r["state"], r["reason"],
                     *[r["classes"][cls][part] for cls in CLASSES for part in ("state", "lots")]]
                    for r in rows)
