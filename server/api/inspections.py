"""Inspections and what is recorded in them, scoped by factory."""

from flask_login import current_user

from server.api.resources import record_blueprint
from server.authz import allow
from server.schemas.inspections import FinalizeSchema, InspectionSchema
from server.services import entities, operations

inspections = record_blueprint("inspections", "inspections", entities.INSPECTIONS,
                               "AQL inspections. A finalized inspection is read-only.")


@inspections.route("/<uuid:record_id>/finalize", methods=["POST"], endpoint="finalize")
@allow("inspector", "admin")
@inspections.arguments(FinalizeSchema)
@inspections.response(200, InspectionSchema)
def finalize(data, record_id):
    """Finalize: the server recomputes plan and verdict from the recorded defects and
    refuses a mismatch with the client's (409 verdict_mismatch). Read-only afterwards."""
    return operations.perform(current_user, entities.INSPECTIONS, "finalize", record_id, data)


def _part(name, url, resource):
    return record_blueprint(name, url, resource,
                            f"{resource.label.capitalize()}s of an inspection; read-only once it is finalized.")


BLUEPRINTS = [
    inspections,
    _part("inspection_items", "inspection-items", entities.INSPECTION_ITEMS),
    _part("inspection_defects", "inspection-defects", entities.INSPECTION_DEFECTS),
    _part("measurement_results", "measurement-results", entities.MEASUREMENT_RESULTS),
    _part("checklist_results", "checklist-results", entities.CHECKLIST_RESULTS),
]
