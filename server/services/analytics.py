"""Figures for managers: pass rates, defects per hundred units, the defect Pareto,
rejected lots, switching states and factory scorecards.

Every figure is computed by the database in grouped queries (SQLite and
PostgreSQL alike); Python only shapes the aggregated rows (a handful per
group), never loops over inspections or defects. Pass rates, DHU and the
Pareto read the daily rollups (server.models.analytics), which finalize keeps
in step in its own transaction, so the dashboard does not scan every
inspection; the lists behind a figure read the inspections themselves.

Definitions (also in the OpenAPI descriptions):
* Counted: finalized, not deleted inspections. Planned, in-progress and
  cancelled ones are not results and never count.
* Date and period: the finalize time (``finished_at``) in UTC. A week starts
  on Monday; a quarter on January, April, July or October 1st.
* Pass rate: passed / counted. First-time pass rate: the same over original
  inspections only (``reinspection_of_id`` empty), so a lot that failed and
  passed after rework counts as a failure there.
* Units inspected: the largest sample size of the three classes' plans (the
  inspector draws that many and inspects each for every class).
* DHU (defects per hundred units): 100 x defects recorded / units inspected.
* By style and by category, an inspection covering two styles counts once
  under each style (and once per category).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, and_, case, exists, false, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from server.authz import factory_scope, require_factory
from server.errors import not_found
from server.extensions import db
from server.models import (
    DefectRollup,
    DefectType,
    Factory,
    FigureRollup,
    Inspection,
    InspectionDefect,
    InspectionItem,
    MilestoneEvent,
    ProductionOrder,
    PurchaseOrder,
    Style,
    User,
)
from server.services import corrective_actions, delay_risk
from server.services.inspections import SEVERITY_CLASSES
from server.services.switching import factory_switching

GROUPS = ("factory", "style", "category", "inspector", "type", "period")
PERIODS = ("week", "month", "quarter")
# Worst first: the state that speaks for a factory when its classes differ.
SWITCHING_ORDER = ("discontinued", "tightened", "normal", "reduced")


# --- dialect-specific SQL pieces ------------------------------------------------------------


class _PeriodStart(FunctionElement):
    """The first day of the period holding a day (a DATE column), as 'YYYY-MM-DD'."""

    type = String()
    inherit_cache = True


class WeekStart(_PeriodStart):
    inherit_cache = True


class MonthStart(_PeriodStart):
    inherit_cache = True


class QuarterStart(_PeriodStart):
    inherit_cache = True


class Greatest(FunctionElement):
    inherit_cache = True


@compiles(WeekStart, "sqlite")
def _week_sqlite(element, compiler, **kw):
    # Back six days, then forward to the next Monday: a Monday stays itself.
    return f"date({compiler.process(element.clauses, **kw)}, '-6 days', 'weekday 1')"


@compiles(MonthStart, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m-01', {compiler.process(element.clauses, **kw)})"


@compiles(QuarterStart, "sqlite")
def _quarter_sqlite(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return (f"printf('%s-%02d-01', strftime('%Y', {column}), "
            f"((CAST(strftime('%m', {column}) AS INTEGER) - 1) / 3) * 3 + 1)")


def _trunc_postgresql(unit):
    def compile_(element, compiler, **kw):
        column = compiler.process(element.clauses, **kw)
        return f"to_char(date_trunc('{unit}', CAST({column} AS timestamp)), 'YYYY-MM-DD')"
    return compile_


compiles(WeekStart, "postgresql")(_trunc_postgresql("week"))
compiles(MonthStart, "postgresql")(_trunc_postgresql("month"))
compiles(QuarterStart, "postgresql")(_trunc_postgresql("quarter"))


@compiles(Greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(Greatest, "postgresql")
def _greatest_postgresql(element, compiler, **kw):
    return f"greatest({compiler.process(element.clauses, **kw)})"


PERIOD_START = {"week": WeekStart, "month": MonthStart, "quarter": QuarterStart}


def period_end(start: str, period: str) -> str:
    """The first day after the period starting on ``start`` (exclusive end)."""
    day = date.fromisoformat(start)
    if period == "week":
        return (day + timedelta(days=7)).isoformat()
    months = 1 if period == "month" else 3
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1).isoformat()


def units_inspected() -> ColumnElement:
    sizes = [func.coalesce(Inspection.plan[(cls, "sample_size")].as_integer(), 0) for cls in SEVERITY_CLASSES]
    return Greatest(*sizes)


# --- filters ---------------------------------------------------------------------------------


@dataclass
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    factory_id: uuid.UUID | None = None
    style_id: uuid.UUID | None = None
    category: str | None = None
    inspection_type: str | None = None
    inspector_id: uuid.UUID | None = None
    defect_type_id: uuid.UUID | None = None
    verdict: str | None = None
    period: str = "month"

    @classmethod
    def from_args(cls, args: dict) -> Filters:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in args.items() if k in known and v is not None})


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def counted_conditions(user: User, f: Filters) -> list[ColumnElement]:
    """The inspections a figure counts: finalized, in the user's scope, matching the filters."""
    conditions = [Inspection.status == "finalized", Inspection.deleted_at.is_(None)]
    scope = factory_scope(user)
    if scope is not None:
        conditions.append(Inspection.factory_id.in_(scope) if scope else false())
    if f.date_from:
        conditions.append(Inspection.finished_at >= _day_start(f.date_from))
    if f.date_to:
        conditions.append(Inspection.finished_at < _day_start(f.date_to + timedelta(days=1)))
    if f.factory_id:
        conditions.append(Inspection.factory_id == f.factory_id)
    if f.inspection_type:
        conditions.append(Inspection.inspection_type == f.inspection_type)
    if f.inspector_id:
        conditions.append(Inspection.inspector_id == f.inspector_id)
    if f.verdict:
        conditions.append(Inspection.verdict == f.verdict)
    if f.style_id or f.category:
        item = select(InspectionItem.id).join(Style, Style.id == InspectionItem.style_id).where(
            InspectionItem.inspection_id == Inspection.id, InspectionItem.deleted_at.is_(None))
        if f.style_id:
            item = item.where(InspectionItem.style_id == f.style_id)
        if f.category:
            item = item.where(Style.category == f.category)
        conditions.append(exists(item))
    if f.defect_type_id:
        # An alias: queries over defects themselves (the defects export) must not correlate it away.
        found = aliased(InspectionDefect)
        conditions.append(exists(select(found.id).where(
            found.inspection_id == Inspection.id, found.defect_type_id == f.defect_type_id, found.deleted_at.is_(None))))
    return conditions


# --- pass rates and DHU (from the rollups) ------------------------------------------------------


def _rollup_kind(group: str | None, f: Filters) -> str:
    """Which rollup rows answer: each inspection once overall, once per style, or once per category."""
    if group == "category" and not f.style_id:
        return "category"
    if group == "style" or f.style_id:
        return "style"
    return "category" if f.category else "all"


def _rollup_conditions(model, user: User, f: Filters, kind: str) -> list[ColumnElement]:
    conditions = [model.kind == kind]
    scope = factory_scope(user)
    if scope is not None:
        conditions.append(model.factory_id.in_(scope) if scope else false())
    if f.date_from:
        conditions.append(model.day >= f.date_from)
    if f.date_to:
        conditions.append(model.day <= f.date_to)
    if f.factory_id:
        conditions.append(model.factory_id == f.factory_id)
    if f.inspection_type:
        conditions.append(model.inspection_type == f.inspection_type)
    if f.inspector_id:
        conditions.append(model.inspector_id == f.inspector_id)
    if f.style_id:
        conditions.append(model.style_id == f.style_id)
    if f.category:
        conditions.append(Style.category == f.category if kind == "style" else model.category == f.category)
    return conditions


def _group_key(model, group: str, period: str, stmt):
    """(statement with the joins the group needs, key column, label column)."""
    if group == "factory":
        stmt = stmt.join(Factory, Factory.id == model.factory_id)
        return stmt, model.factory_id, Factory.name
    if group == "inspector":
        stmt = stmt.outerjoin(User, User.id == model.inspector_id)
        return stmt, model.inspector_id, User.display_name
    if group == "type":
        return stmt, model.inspection_type, model.inspection_type
    if group == "period":
        key = PERIOD_START[period](model.day)
        return stmt, key, key
    # "style" (category is answered in _grouped, from whichever rows the kind gives)
    return stmt, Style.id, Style.style_number + " " + Style.name


def _grouped(user: User, f: Filters, keys: list[str]):
    """Figures grouped by the given keys ('period' and/or one of GROUPS), in one query over the rollups."""
    model = FigureRollup
    group = next((k for k in keys if k != "period"), None)
    kind = _rollup_kind(group, f)
    stmt = select().select_from(model)
    if kind == "style":
        stmt = stmt.join(Style, Style.id == model.style_id)
    key_columns, label_columns = [], []
    for key in keys:
        if key == "category":
            column = Style.category if kind == "style" else model.category
            key_columns.append(column)
            label_columns.append(column)
            continue
        stmt, column, label = _group_key(model, key, f.period, stmt)
        key_columns.append(column)
        label_columns.append(label)
    stmt = (stmt.add_columns(*[k.label(f"key{i}") for i, k in enumerate(key_columns)],
                             *[lbl.label(f"label{i}") for i, lbl in enumerate(label_columns)],
                             *[func.sum(getattr(model, name)).label(name) for name in FIGURE_NAMES])
            .where(*_rollup_conditions(model, user, f, kind))
            .group_by(*key_columns, *label_columns))
    return db.session.execute(stmt).all()


FIGURE_NAMES = ("inspections", "passed", "original_inspections", "original_passed", "units_inspected", "defects")


def _figures(row) -> dict:
    inspections, passed = row.inspections or 0, row.passed or 0
    original, original_passed = row.original_inspections or 0, row.original_passed or 0
    units, defects = row.units_inspected or 0, row.defects or 0
    return {
        "inspections": inspections,
        "passed": passed,
        "failed": inspections - passed,
        "pass_rate": _ratio(passed, inspections),
        "original_inspections": original,
        "original_passed": original_passed,
        "first_time_pass_rate": _ratio(original_passed, original),
        "reinspections": inspections - original,
        "units_inspected": units,
        "defects": defects,
        "dhu": _ratio(100 * defects, units),
    }


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _key_text(value) -> str | None:
    return None if value is None else str(value)


def totals(user: User, f: Filters) -> dict:
    return _figures(_grouped(user, f, [])[0])


def trend(user: User, f: Filters) -> list[dict]:
    rows = _grouped(user, f, ["period"])
    return sorted(({"period_start": r.key0, "period_end": period_end(r.key0, f.period), **_figures(r)}
                   for r in rows), key=lambda r: r["period_start"])


def pass_rates(user: User, f: Filters, group: str) -> dict:
    """Figures per group, each with its trend by period, and the totals."""
    if group == "period":
        return {"group_by": group, "period": f.period, "totals": totals(user, f), "rows": [
            {"key": r["period_start"], "label": r["period_start"], **r} for r in trend(user, f)]}
    rows = [{"key": _key_text(r.key0), "label": _label(group, r.label0), **_figures(r)}
            for r in _grouped(user, f, [group])]
    series: dict[str | None, list] = {}
    for r in _grouped(user, f, [group, "period"]):
        series.setdefault(_key_text(r.key0), []).append(
            {"period_start": r.key1, "period_end": period_end(r.key1, f.period), **_figures(r)})
    for row in rows:
        row["trend"] = sorted(series.get(row["key"], []), key=lambda p: p["period_start"])
    rows.sort(key=lambda r: (-r["inspections"], r["label"] or ""))
    return {"group_by": group, "period": f.period, "totals": totals(user, f), "rows": rows}


def _label(group: str, value) -> str:
    if value is None:
        return "(none)" if group != "inspector" else "(no inspector)"
    return str(value)


# --- defects ---------------------------------------------------------------------------------


def pareto(user: User, f: Filters, limit: int = 10) -> dict:
    """Defect types by count, most first, with each one's share and the cumulative share."""
    model = DefectRollup
    kind = _rollup_kind(None, f)
    # Sum the rollups by defect type first (from the covering index), then name the few types found.
    sums = select(model.defect_type_id.label("defect_type_id"), func.sum(model.count).label("count"),
                  *[func.sum(getattr(model, cls)).label(cls) for cls in SEVERITY_CLASSES]).select_from(model)
    if kind == "style":
        sums = sums.join(Style, Style.id == model.style_id)
    sums = (sums.where(*_rollup_conditions(model, user, f, kind)).group_by(model.defect_type_id)
            .subquery("defect_sums"))
    stmt = (select(DefectType.id, DefectType.code, DefectType.name, DefectType.category, sums.c["count"],
                   *[sums.c[cls] for cls in SEVERITY_CLASSES])
            .join(sums, sums.c.defect_type_id == DefectType.id)
            .order_by(sums.c["count"].desc(), DefectType.code))
    grouped = db.session.execute(stmt).all()  # one row per defect type in the library at most
    total = sum(r.count for r in grouped)
    rows, running = [], 0
    for r in grouped[:limit]:
        running += r.count
        rows.append({"defect_type_id": r.id, "code": r.code, "name": r.name, "category": r.category,
                     "count": r.count, **{cls: getattr(r, cls) or 0 for cls in SEVERITY_CLASSES},
                     "share": _ratio(r.count, total), "cumulative_share": _ratio(running, total)})
    return {"total_defects": total, "other_defects": total - running, "rows": rows}


# --- lists of inspections ----------------------------------------------------------------------


def _class_counts():
    return (select(InspectionDefect.inspection_id.label("inspection_id"),
                   *[func.sum(case((InspectionDefect.severity == cls, 1), else_=0)).label(cls)
                     for cls in SEVERITY_CLASSES])
            .where(InspectionDefect.deleted_at.is_(None))
            .group_by(InspectionDefect.inspection_id).subquery("class_counts"))


def inspections(user: User, f: Filters, page: int, page_size: int) -> dict:
    """The finalized inspections behind a figure, newest first, with their defect counts per class."""
    conditions = counted_conditions(user, f)
    total = db.session.scalar(select(func.count()).select_from(Inspection).where(*conditions))
    stmt = (select(Inspection, Factory.name.label("factory_name"), PurchaseOrder.po_number,
                   ProductionOrder.number.label("production_order_number"), User.display_name.label("inspector_name"),
                   units_inspected().label("units_inspected"))
            .join(Factory, Factory.id == Inspection.factory_id)
            .outerjoin(ProductionOrder, ProductionOrder.id == Inspection.production_order_id)
            .outerjoin(PurchaseOrder, PurchaseOrder.id == ProductionOrder.purchase_order_id)
            .outerjoin(User, User.id == Inspection.inspector_id)
            .where(*conditions)
            .order_by(Inspection.finished_at.desc(), Inspection.id)
            .limit(page_size).offset((page - 1) * page_size))
    found = db.session.execute(stmt).all()
    # Defect counts for this page's inspections only, not a grouping of every defect ever recorded.
    counts: dict = {}
    if found:
        for inspection_id, severity, n in db.session.execute(
                select(InspectionDefect.inspection_id, InspectionDefect.severity, func.count())
                .where(InspectionDefect.inspection_id.in_([r[0].id for r in found]),
                       InspectionDefect.deleted_at.is_(None))
                .group_by(InspectionDefect.inspection_id, InspectionDefect.severity)):
            counts.setdefault(inspection_id, {})[severity] = n
    rows = [_inspection_row(r, {cls: counts.get(r[0].id, {}).get(cls, 0) for cls in SEVERITY_CLASSES}) for r in found]
    return {"total": total, "page": page, "page_size": page_size, "rows": rows}


def _inspection_row(r, counts: dict[str, int]) -> dict:
    inspection: Inspection = r[0]
    return {
        "id": inspection.id,
        "factory_id": inspection.factory_id,
        "factory_name": r.factory_name,
        "inspection_type": inspection.inspection_type,
        "finished_at": inspection.finished_at,
        "po_number": r.po_number,
        "production_order_number": r.production_order_number,
        "inspector_name": r.inspector_name,
        "reinspection_of_id": inspection.reinspection_of_id,
        "lot_size": inspection.lot_size,
        "units_inspected": r.units_inspected,
        "verdict": inspection.verdict,
        "disposition": inspection.disposition,
        "defects": counts,
        "reason": rejection_reason(inspection, counts),
    }


def rejection_reason(inspection: Inspection, counts: dict[str, int]) -> str | None:
    """Why a lot failed, in words: each failed class with what was found against its rejection number."""
    if inspection.verdict != "fail":
        return None
    parts = []
    unit = "defectives" if inspection.count_basis == "defectives" else "defects"
    for cls in SEVERITY_CLASSES:
        if getattr(inspection, f"verdict_{cls}") == "fail":
            plan = (inspection.plan or {}).get(cls) or {}
            found = counts[cls]
            limit = f", rejected at {plan['reject']} in a sample of {plan['sample_size']}" if plan.get("reject") else ""
            parts.append(f"{cls.capitalize()}: {found} {unit if found != 1 else unit[:-1]} found (AQL "
                         f"{getattr(inspection, f'aql_{cls}')}){limit}")
    return "; ".join(parts) or "Failed"


def rejected_lots(user: User, f: Filters, page: int, page_size: int) -> dict:
    f = Filters(**{**f.__dict__, "verdict": "fail"})
    return inspections(user, f, page, page_size)


# --- switching, deliveries and the scorecard ---------------------------------------------------


def switching_states(user: User, factory_id: uuid.UUID | None = None) -> list[dict]:
    """Each visible factory's ISO 2859-1 switching state per class, with the reason in words.

    The standard's rules are a sequence over lots, so each factory's history is
    replayed (server.services.switching), one query per factory.
    """
    stmt = select(Factory).where(Factory.deleted_at.is_(None), Factory.active.is_(True)).order_by(Factory.name)
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(Factory.id.in_(scope) if scope else false())
    if factory_id:
        stmt = stmt.where(Factory.id == factory_id)
    factories = db.session.scalars(stmt).all()
    versions = _lot_versions([f.id for f in factories])
    result = []
    for factory in factories:
        classes = _cached_switching(factory, versions.get(factory.id))
        worst = min((c["state"] for c in classes.values()), key=SWITCHING_ORDER.index)
        reasons = [f"{cls.capitalize()}: {c['reason']}" for cls, c in classes.items() if c["state"] == worst]
        result.append({"factory_id": factory.id, "factory_code": factory.code, "factory_name": factory.name,
                       "state": worst, "reason": " ".join(reasons),
                       "classes": {cls: {key: c[key] for key in ("state", "reason", "reason_code", "reason_params",
                                                                 "reason_notes", "lots")}
                                   for cls, c in classes.items()}})
    return result


# Replaying a factory's lots is a loop over its whole history; the answer changes only when a lot is
# finalized (or the factory's steady-production flag changes), so it is kept per factory until then.
_SWITCHING_CACHE: dict[tuple, tuple] = {}


def _lot_versions(factory_ids) -> dict:
    """Per factory: how many lots count for switching (original finalized inspections, which are never
    changed once finalized), from the rollups in one query."""
    if not factory_ids:
        return {}
    rows = db.session.execute(
        select(FigureRollup.factory_id, func.sum(FigureRollup.original_inspections))
        .where(FigureRollup.kind == "all", FigureRollup.factory_id.in_(factory_ids))
        .group_by(FigureRollup.factory_id)).all()
    return {factory_id: int(n or 0) for factory_id, n in rows}


def _cached_switching(factory: Factory, lots) -> dict:
    cache_key = (str(db.engine.url), factory.id)
    version = (lots, factory.steady_production, factory.server_version)
    hit = _SWITCHING_CACHE.get(cache_key)
    if hit is not None and hit[0] == version:
        return hit[1]
    classes = factory_switching(factory)
    _SWITCHING_CACHE[cache_key] = (version, classes)
    return classes


def deliveries(factory_id: uuid.UUID, f: Filters, today: date | None = None) -> dict:
    """Production orders shipped on or before their planned finish, and those overdue now."""
    today = today or date.today()
    shipped = (select(MilestoneEvent.production_order_id.label("production_order_id"),
                      func.min(MilestoneEvent.occurred_on).label("shipped_on"))
               .where(MilestoneEvent.stage == "shipped", MilestoneEvent.deleted_at.is_(None))
               .group_by(MilestoneEvent.production_order_id).subquery("shipped"))
    conditions = [ProductionOrder.factory_id == factory_id, ProductionOrder.deleted_at.is_(None),
                  ProductionOrder.planned_finish.is_not(None), ProductionOrder.status != "cancelled"]
    if f.date_from:
        conditions.append(ProductionOrder.planned_finish >= f.date_from)
    if f.date_to:
        conditions.append(ProductionOrder.planned_finish <= f.date_to)
    row = db.session.execute(
        select(func.count(shipped.c.shipped_on).label("shipped"),
               func.sum(case((shipped.c.shipped_on <= ProductionOrder.planned_finish, 1), else_=0)).label("on_time"),
               func.sum(case((and_(shipped.c.shipped_on.is_(None), ProductionOrder.planned_finish < today), 1),
                             else_=0)).label("overdue"))
        .select_from(ProductionOrder).outerjoin(shipped, shipped.c.production_order_id == ProductionOrder.id)
        .where(*conditions)).one()
    shipped_count, on_time = row.shipped or 0, row.on_time or 0
    return {"shipped": shipped_count, "on_time": on_time, "late": shipped_count - on_time,
            "on_time_rate": _ratio(on_time, shipped_count), "overdue": row.overdue or 0}


def scorecard(user: User, factory_id: uuid.UUID, f: Filters, last: int = 10) -> dict:
    factory = db.session.get(Factory, factory_id)
    if factory is None or factory.is_deleted:
        raise not_found("factory")
    require_factory(user, factory.id, "factory")
    f = Filters(**{**f.__dict__, "factory_id": factory_id})
    switching = switching_states(user, factory_id)
    return {
        "factory": {"id": factory.id, "code": factory.code, "name": factory.name, "country": factory.country,
                    "city": factory.city},
        "totals": totals(user, f),
        "period": f.period,
        "trend": trend(user, f),
        "top_defects": pareto(user, f, limit=5),
        "last_inspections": inspections(user, f, 1, last)["rows"],
        "switching": switching[0] if switching else None,
        "deliveries": deliveries(factory_id, f),
        "corrective_actions": corrective_actions.factory_figures(user, factory_id),
        "milestones": (delay_risk.punctuality(user, factory_id, f.date_from, f.date_to)["factories"] or [None])[0],
    }
