"""An inspection's report and the check of its content hash.

Anyone who may read the inspection may read its report and verify it.
"""

from flask import Response
from flask_login import current_user
from marshmallow import fields

from server.api.blueprint import Blueprint
from server.authz import EVERYONE, allow
from server.schemas.common import StrictSchema
from server.services import content_hash, entities, records
from server.services.report import inspection_pdf

blp = Blueprint("inspection_reports", "inspection_reports", url_prefix="/api/v1/inspections",
                description="Inspection reports and their content hash.")


class VerifySchema(StrictSchema):
    inspection_id = fields.UUID()
    status = fields.String()
    format = fields.String(metadata={"description": "Version of the canonical form hashed."})
    stored_hash = fields.String(allow_none=True, metadata={"description": "Set at finalize, printed on the reports."})
    computed_hash = fields.String(metadata={"description": "SHA-256 of the RFC 8785 canonical JSON of the record now."})
    matches = fields.Boolean(allow_none=True, metadata={"description": "False when the record changed since finalize; "
                                                                       "null before finalize."})


@blp.route("/<uuid:record_id>/verify", methods=["GET"], endpoint="verify")
@allow(*EVERYONE)
@blp.response(200, VerifySchema)
def verify(record_id):
    """Recompute the content hash (SHA-256 over RFC 8785 canonical JSON of the inspection, its defects,
    measurements, checklist and photos' sha256) and compare it with the one stored at finalize."""
    return content_hash.verify(records.get_record(entities.INSPECTIONS, current_user, record_id))


@blp.route("/<uuid:record_id>/report.pdf", methods=["GET"], endpoint="report_pdf")
@allow(*EVERYONE)
@blp.doc(responses={"200": {"description": "The report (A4 PDF)", "content": {"application/pdf": {}}}})
def report_pdf(record_id):
    """The inspection report as a PDF: header, quantity check, plan and verdict per class, defects by type,
    measurements, checklist, disposition, signatures, photos with captions and the content hash."""
    inspection = records.get_record(entities.INSPECTIONS, current_user, record_id)
    response = Response(inspection_pdf(inspection), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="seamline-inspection-{inspection.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


BLUEPRINTS = [blp]
