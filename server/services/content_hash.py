"""The content hash of an inspection: SHA-256 over the RFC 8785 canonical JSON of the record.

It covers the inspection's result-bearing fields, its defects, measurements,
checklist answers and each photo's sha256 (with its kind and caption). Set at
finalize (in the same transaction), printed on both reports, and recomputed by
``GET /api/v1/inspections/<id>/verify``: anyone holding a report can tell
whether the record changed since.

The phone computes the same value offline from its own copy
(pwa/js/content-hash.js, with the npm ``canonicalize`` package; here the
``rfc8785`` package), so both sides must build the same document:

* ids are lower-case UUID strings, absent references null;
* times are UTC with milliseconds, ``2026-03-10T10:00:00.000Z`` (a phone has no finer clock);
* measured values are JSON numbers (52.50 -> 52.5);
* lists are sorted by id; deleted records are left out.

Changing any of this changes every hash: bump FORMAT when doing so.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import rfc8785
from sqlalchemy import or_, select

from server.extensions import db
from server.models import ChecklistResult, Inspection, InspectionDefect, MeasurementResult, Photo

FORMAT = "seamline-inspection/1"
INSPECTION_FIELDS = (
    "id", "inspection_type", "factory_id", "production_order_id", "tech_pack_version_id", "inspector_id",
    "reinspection_of_id", "status", "lot_size", "inspection_level", "count_basis",
    "aql_critical", "aql_major", "aql_minor", "switching_critical", "switching_major", "switching_minor",
    "verdict", "verdict_critical", "verdict_major", "verdict_minor", "disposition", "finished_at", "notes",
    "ordered_quantity", "packed_quantity", "carton_count", "cartons_opened",
)
DEFECT_FIELDS = ("id", "defect_type_id", "severity", "location", "note", "sample_unit")
MEASUREMENT_FIELDS = ("id", "measurement_spec_id", "sample_unit", "measured_value")
CHECKLIST_FIELDS = ("id", "item_code", "result", "note")
PHOTO_FIELDS = ("id", "sha256", "kind", "defect_id", "caption")


def canonical_value(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value


def _fields(record, names) -> dict:
    return {name: canonical_value(getattr(record, name)) for name in names}


def _live(model, *conditions):
    return db.session.scalars(select(model).where(model.deleted_at.is_(None), *conditions).order_by(model.id)).all()


def document(inspection: Inspection) -> dict:
    defects = _live(InspectionDefect, InspectionDefect.inspection_id == inspection.id)
    photos = _live(Photo, or_(Photo.inspection_id == inspection.id,
                              Photo.defect_id.in_([d.id for d in defects]) if defects else False))
    parts = {
        "defects": [_fields(d, DEFECT_FIELDS) for d in defects],
        "measurements": [_fields(m, MEASUREMENT_FIELDS) for m in
                         _live(MeasurementResult, MeasurementResult.inspection_id == inspection.id)],
        "checklist": [_fields(c, CHECKLIST_FIELDS) for c in
                      _live(ChecklistResult, ChecklistResult.inspection_id == inspection.id)],
        "photos": [_fields(p, PHOTO_FIELDS) for p in photos],
    }
    # Sorted by the id's text, as the phone sorts them (the database may order UUIDs otherwise).
    for rows in parts.values():
        rows.sort(key=lambda row: row["id"])
    return {"format": FORMAT, "inspection": _fields(inspection, INSPECTION_FIELDS), **parts}


def canonical_json(inspection: Inspection) -> bytes:
    return rfc8785.dumps(document(inspection))


def inspection_hash(inspection: Inspection) -> str:
    return hashlib.sha256(canonical_json(inspection)).hexdigest()


def verify(inspection: Inspection) -> dict:
    computed = inspection_hash(inspection)
    stored = inspection.content_hash
    return {"inspection_id": inspection.id, "status": inspection.status, "format": FORMAT,
            "stored_hash": stored, "computed_hash": computed,
            "matches": None if stored is None else stored == computed}
