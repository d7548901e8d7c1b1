"""Inspections and what is recorded in them, scoped by factory."""

from server.api.resources import record_blueprint
from server.models import ChecklistResult, Inspection, InspectionDefect, InspectionItem, MeasurementResult
from server.schemas.inspections import (
    ChecklistResultSchema,
    InspectionDefectSchema,
    InspectionItemSchema,
    InspectionSchema,
    MeasurementResultSchema,
)
from server.services.inspections import before_inspection_write
from server.services.records import Resource

READERS = ("inspector", "factory", "designer", "manager", "admin")
RECORDERS = ("inspector", "admin")

inspections = record_blueprint(
    "inspections", "inspections",
    Resource(Inspection, "inspection", immutable=InspectionSchema.IMMUTABLE,
             filters=("factory_id", "status", "inspector_id", "production_order_id", "inspection_type"),
             order_by=("planned_date", "created_at"), before_write=before_inspection_write),
    InspectionSchema, read=READERS, create=("inspector", "manager", "admin"),
    update=("inspector", "manager", "admin"), delete=("manager", "admin"),
    description="AQL inspections. A finalized inspection is read-only.",
)


def _child(name, url, model, label, schema, filters=("inspection_id",)):
    return record_blueprint(
        name, url,
        Resource(model, label, immutable=schema.IMMUTABLE, parent_field="inspection_id", filters=filters),
        schema, read=READERS, create=RECORDERS, update=RECORDERS, delete=RECORDERS,
        description=f"{label.capitalize()}s of an inspection; read-only once it is finalized.",
    )


inspection_items = _child("inspection_items", "inspection-items", InspectionItem, "inspection item",
                          InspectionItemSchema)
inspection_defects = _child("inspection_defects", "inspection-defects", InspectionDefect, "inspection defect",
                            InspectionDefectSchema, filters=("inspection_id", "severity", "defect_type_id"))
measurement_results = _child("measurement_results", "measurement-results", MeasurementResult,
                             "measurement result", MeasurementResultSchema)
checklist_results = _child("checklist_results", "checklist-results", ChecklistResult, "checklist result",
                           ChecklistResultSchema)

BLUEPRINTS = [inspections, inspection_items, inspection_defects, measurement_results, checklist_results]
