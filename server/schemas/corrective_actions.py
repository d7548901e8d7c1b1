from datetime import date

from marshmallow import fields

from server.models.vocab import CORRECTIVE_ACTION_STATUSES
from server.schemas.common import RecordSchema, UUIDField, one_of, text


class CorrectiveActionSchema(RecordSchema):
    # The id is derived from the inspection (server.models.corrective_actions.corrective_action_id).
    IMMUTABLE = ("inspection_id",)
    inspection_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    status = fields.String(validate=one_of(CORRECTIVE_ACTION_STATUSES))
    problem = text(4000)
    root_cause = text(4000)
    action = text(4000)
    owner = text(200, metadata={"description": "Who at the factory does it: a name or a user's id."})
    due_date = fields.Date(allow_none=True)
    evidence_notes = text(4000)
    verification_note = text(4000)
    reinspection_id = UUIDField(allow_none=True)
    verified_by_id = UUIDField(dump_only=True, allow_none=True)
    verified_at = fields.DateTime(dump_only=True, allow_none=True)
    overdue = fields.Method("_overdue", dump_only=True,
                            metadata={"description": "Past the due date and not closed (computed today)."})

    def _overdue(self, action) -> bool:
        return action.is_overdue(date.today())
