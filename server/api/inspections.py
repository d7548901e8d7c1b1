"""Inspections and what is recorded in them, scoped by factory."""

from flask_login import current_user

from server.api.resources import record_blueprint
from server.authz import allow
from server.models import ChecklistResult, Inspection, InspectionDefect, InspectionItem, MeasurementResult
from server.schemas.inspections import (
    ChecklistResultSchema,
    InspectionDefectSchema,
    InspectionItemSchema,
    InspectionSchema,
    FinalizeSchema,
    MeasurementResultSchema,
)
from server.services.finalize import finalize_inspection
from server.services.inspections import before_inspection_write
from server.services.records import Resource

READERS = ("inspector", "factory", "designer", "manager", "admin")
RECORDERS = ("inspector", "admin")

INSPECTIONS = Resource(
    Inspection, "inspection", immutable=InspectionSchema.IMMUTABLE,
    filters=("factory_id", "status", "inspector_id", "production_order_id", "inspection_type"),
    order_by=("planned_date", "created_at"), before_write=before_inspection_write,
)
inspections = record_blueprint(
    "inspections", "inspections", INSPECTIONS, InspectionSchema, read=READERS, create=("inspector", "manager", "admin"),
    update=("inspector", "manager", "admin"), delete=("manager", "admin"),
    description="AQL inspections. A finalized inspection is read-only.",
)



@inspections.route("/<uuid:record_id>/finalize", methods=["POST"], endpoint="finalize")
@allow("inspector", "admin")
@inspections.arguments(FinalizeSchema)
@inspections.response(200, InspectionSchema)
def finalize(data, record_id):
    """Finalize: the server recomputes plan and verdict from the recorded defects and
    refuses a mismatch with the client's (409 verdict_mismatch). Read-only afterwards."""
    return finalize_inspection(INSPECTIONS, current_user, record_id, data)


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
