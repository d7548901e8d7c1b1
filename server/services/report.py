"""Everything an inspection report shows, gathered once for the PDF (server/reports/pdf.py).

The printable page in the app (pwa/js/screens/report.js) shows the same parts
from the phone's own copy, so a factory has its result before the inspector
leaves.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    ChecklistResult,
    ChecklistTemplate,
    DefectType,
    Factory,
    Inspection,
    InspectionDefect,
    InspectionItem,
    MeasurementResult,
    MeasurementSpec,
    Photo,
    ProductionOrder,
    PurchaseOrder,
    Style,
    TechPackVersion,
    User,
)
from server.services.inspections import SEVERITY_CLASSES


def report_data(inspection: Inspection) -> dict:
    return {
        "inspection": inspection,
        "header": _header(inspection),
        "classes": _classes(inspection),
        "defect_groups": _defect_groups(inspection),
        "measurements": _measurements(inspection),
        "checklist": _checklist(inspection),
        "photos": _photos(inspection),
    }


def _header(i: Inspection) -> dict:
    factory = db.session.get(Factory, i.factory_id)
    order = db.session.get(ProductionOrder, i.production_order_id) if i.production_order_id else None
    purchase = db.session.get(PurchaseOrder, order.purchase_order_id) if order else None
    tech_pack = db.session.get(TechPackVersion, i.tech_pack_version_id) if i.tech_pack_version_id else None
    inspector = db.session.get(User, i.inspector_id) if i.inspector_id else None
    styles = db.session.execute(
        select(Style.style_number, Style.name, Style.category).join(InspectionItem, InspectionItem.style_id == Style.id)
        .where(InspectionItem.inspection_id == i.id, InspectionItem.deleted_at.is_(None))
        .distinct().order_by(Style.style_number)).all()
    return {
        "factory": f"{factory.name} ({factory.code}), {factory.city or ''} {factory.country}".replace(" ,", ","),
        "purchase_order": purchase.po_number if purchase else None,
        "production_order": order.number if order else None,
        "styles": [f"{s.style_number} {s.name}" for s in styles],
        "categories": sorted({s.category for s in styles}),
        "tech_pack": tech_pack.version_label if tech_pack else None,
        "inspector": inspector.display_name if inspector else None,
    }


def _classes(i: Inspection) -> list[dict]:
    counts = dict(db.session.execute(
        select(InspectionDefect.severity, func.count()).where(
            InspectionDefect.inspection_id == i.id, InspectionDefect.deleted_at.is_(None))
        .group_by(InspectionDefect.severity)).all())
    rows = []
    for cls in SEVERITY_CLASSES:
        plan = (i.plan or {}).get(cls) or {}
        rows.append({"class": cls, "aql": getattr(i, f"aql_{cls}"), "switching": getattr(i, f"switching_{cls}"),
                     "sample_size": plan.get("sample_size"), "accept": plan.get("accept"),
                     "reject": plan.get("reject"), "code_letter": plan.get("code_letter"),
                     "found": counts.get(cls, 0), "verdict": getattr(i, f"verdict_{cls}")})
    return rows


def _defect_groups(i: Inspection) -> list[dict]:
    """Defects grouped by type, most found first, with each one's location and note."""
    rows = db.session.execute(
        select(DefectType.code, DefectType.name, DefectType.names_translated, InspectionDefect.severity,
               InspectionDefect.location, InspectionDefect.note, InspectionDefect.sample_unit)
        .join(DefectType, DefectType.id == InspectionDefect.defect_type_id)
        .where(InspectionDefect.inspection_id == i.id, InspectionDefect.deleted_at.is_(None))
        .order_by(DefectType.code, InspectionDefect.created_at)).all()
    groups: dict[str, dict] = {}
    for r in rows:  # the defects of one inspection: tens, not thousands
        group = groups.setdefault(r.code, {"code": r.code, "name": r.name,
                                           "translations": sorted(set((r.names_translated or {}).values())),
                                           "counts": dict.fromkeys(SEVERITY_CLASSES, 0), "details": []})
        group["counts"][r.severity] += 1
        detail = ", ".join(part for part in (r.location, r.note) if part)
        if detail or r.sample_unit:
            group["details"].append({"severity": r.severity, "unit": r.sample_unit, "text": detail})
    return sorted(groups.values(), key=lambda g: (-sum(g["counts"].values()), g["code"]))


def _measurements(i: Inspection) -> list[dict]:
    rows = db.session.execute(
        select(MeasurementSpec.point_code, MeasurementSpec.point_name, MeasurementSpec.size, MeasurementSpec.spec_value,
               MeasurementSpec.tolerance_minus, MeasurementSpec.tolerance_plus, MeasurementSpec.unit,
               MeasurementResult.sample_unit, MeasurementResult.measured_value)
        .join(MeasurementSpec, MeasurementSpec.id == MeasurementResult.measurement_spec_id)
        .where(MeasurementResult.inspection_id == i.id, MeasurementResult.deleted_at.is_(None))
        .order_by(MeasurementSpec.size, MeasurementSpec.point_code, MeasurementResult.sample_unit)).all()
    result = []
    for r in rows:
        deviation = Decimal(r.measured_value) - Decimal(r.spec_value)
        out = deviation < -r.tolerance_minus or deviation > r.tolerance_plus
        result.append({"point": f"{r.point_code} {r.point_name}", "size": r.size, "unit": r.unit,
                       "spec": r.spec_value, "tolerance": f"-{r.tolerance_minus}/+{r.tolerance_plus}",
                       "sample_unit": r.sample_unit, "measured": r.measured_value, "deviation": deviation,
                       "out": out})
    return result


def _checklist(i: Inspection) -> list[dict]:
    answers = db.session.execute(
        select(ChecklistResult.item_code, ChecklistResult.result, ChecklistResult.note)
        .where(ChecklistResult.inspection_id == i.id, ChecklistResult.deleted_at.is_(None))
        .order_by(ChecklistResult.item_code)).all()
    texts = {}
    categories = _header(i)["categories"] if answers else []
    if categories:
        template = db.session.scalar(select(ChecklistTemplate).where(
            ChecklistTemplate.product_category == categories[0], ChecklistTemplate.inspection_type == i.inspection_type))
        texts = {item["code"]: item["text"] for item in (template.items if template else [])}
    return [{"code": a.item_code, "text": texts.get(a.item_code, ""), "result": a.result, "note": a.note}
            for a in answers]


def _photos(i: Inspection) -> list[dict]:
    defect_ids = select(InspectionDefect.id).where(InspectionDefect.inspection_id == i.id)
    photos = db.session.scalars(
        select(Photo).where(Photo.deleted_at.is_(None),
                            (Photo.inspection_id == i.id) | Photo.defect_id.in_(defect_ids))
        .order_by(Photo.kind, Photo.created_at, Photo.id)).all()
    return [{"id": p.id, "sha256": p.sha256, "kind": p.kind, "caption": p.caption, "state": p.storage_state}
            for p in photos]


def inspection_pdf(inspection: Inspection) -> bytes:
    """The report as a PDF, with the content hash on every page."""
    from server.reports import pdf
    from server.services.content_hash import FORMAT
    from server.services.photos import SIZES, storage

    def photo_bytes(sha256: str) -> bytes | None:
        name = sha256 + SIZES["display"]
        if not storage().exists(name):
            return None
        with storage().open(name) as handle:
            return handle.read()

    digest = inspection.content_hash
    kind = {"pre_production": "Pre-production", "inline": "Inline", "final": "Final random"}[inspection.inspection_type]
    labels = {
        "title": f"{kind} inspection report",
        "footer": (f"Seamline inspection {inspection.id} · SHA-256 {digest}" if digest
                   else f"Seamline inspection {inspection.id} · not finalized"),
        "hash": (f"SHA-256 of the record as finalized, over its canonical JSON (RFC 8785, {FORMAT}): {digest}. "
                 f"GET /api/v1/inspections/{inspection.id}/verify recomputes it from the record now; a different "
                 "value means the record changed after this report." if digest
                 else "Not finalized: the content hash is computed at finalize."),
    }
    return pdf.render(report_data(inspection), photo_bytes, labels)
