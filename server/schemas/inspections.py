from marshmallow import fields, validate

from server.models.vocab import (
    CHECKLIST_RESULTS,
    COUNT_BASES,
    DISPOSITIONS,
    INSPECTION_LEVELS,
    INSPECTION_STATUSES,
    INSPECTION_TYPES,
    PHOTO_KINDS,
    SEVERITIES,
    SWITCHING_STATES,
)
from server.schemas.common import (
    MAX_QUANTITY,
    AqlField,
    RecordSchema,
    StrictSchema,
    UUIDField,
    decimal_number,
    one_of,
    text,
    whole_number,
)


class LocationSchema(StrictSchema):
    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(validate=validate.Range(min=0))
    at = fields.DateTime()


class InspectionSchema(RecordSchema):
    IMMUTABLE = ("factory_id",)
    inspection_type = fields.String(required=True, validate=one_of(INSPECTION_TYPES))
    reinspection_of_id = UUIDField(allow_none=True)
    factory_id = UUIDField(required=True)
    production_order_id = UUIDField(allow_none=True)
    tech_pack_version_id = UUIDField(allow_none=True)
    inspector_id = UUIDField(allow_none=True)
    planned_date = fields.Date(allow_none=True)
    status = fields.String(validate=one_of(("planned", "in_progress", "cancelled")),
                           metadata={"description": "finalized is reached only through POST .../finalize"})
    lot_size = whole_number(1, MAX_QUANTITY, required=True)
    inspection_level = fields.String(validate=one_of(INSPECTION_LEVELS))
    count_basis = fields.String(validate=one_of(COUNT_BASES))
    aql_critical = AqlField()
    aql_major = AqlField()
    aql_minor = AqlField()
    switching_critical = fields.String(validate=one_of(SWITCHING_STATES))
    switching_major = fields.String(validate=one_of(SWITCHING_STATES))
    switching_minor = fields.String(validate=one_of(SWITCHING_STATES))
    # Set when the inspection is finalized; null before.
    plan = fields.Dict(dump_only=True, allow_none=True)
    verdict_critical = fields.String(dump_only=True, allow_none=True)
    verdict_major = fields.String(dump_only=True, allow_none=True)
    verdict_minor = fields.String(dump_only=True, allow_none=True)
    verdict = fields.String(dump_only=True, allow_none=True)
    disposition = fields.String(allow_none=True, validate=one_of(DISPOSITIONS))
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)
    notes = text(20000)
    ordered_quantity = whole_number(0, MAX_QUANTITY, allow_none=True)
    packed_quantity = whole_number(0, MAX_QUANTITY, allow_none=True)
    carton_count = whole_number(0, MAX_QUANTITY, allow_none=True)
    # √(cartons) are opened: 3,163 for the largest carton count.
    cartons_opened = fields.List(whole_number(1, MAX_QUANTITY), allow_none=True,
                                 validate=validate.Length(max=10_000, error="At most {max} cartons."))
    start_location = fields.Nested(LocationSchema, allow_none=True)
    finish_location = fields.Nested(LocationSchema, allow_none=True)
    photos_pending = fields.Integer(dump_only=True, metadata={
        "description": "Photos recorded whose bytes have not arrived: while above 0 the inspection is "
                       "shown as 'photos uploading', never as complete."})


class InspectionStatusQuery(StrictSchema):
    status = fields.String(validate=one_of(INSPECTION_STATUSES))
    factory_id = UUIDField()
    inspector_id = UUIDField()


class InspectionItemSchema(RecordSchema):
    IMMUTABLE = ("inspection_id",)
    inspection_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    style_id = UUIDField(required=True)
    purchase_order_line_id = UUIDField(allow_none=True)
    quantity = whole_number(0, MAX_QUANTITY, allow_none=True)


class InspectionDefectSchema(RecordSchema):
    IMMUTABLE = ("inspection_id", "defect_type_id", "severity")
    inspection_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    defect_type_id = UUIDField(required=True)
    severity = fields.String(required=True, validate=one_of(SEVERITIES))
    location = text(120)
    note = text(4000)
    # A sample is never larger than its lot (100 % inspection at most).
    sample_unit = whole_number(1, MAX_QUANTITY, allow_none=True)


class MeasurementResultSchema(RecordSchema):
    IMMUTABLE = ("inspection_id", "measurement_spec_id")
    inspection_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    measurement_spec_id = UUIDField(required=True)
    sample_unit = whole_number(1, MAX_QUANTITY)
    measured_value = decimal_number("0", "999999.99", 2, required=True)  # NUMERIC(8, 2), like the spec
    note = text(4000)


class ChecklistResultSchema(RecordSchema):
    IMMUTABLE = ("inspection_id", "item_code")
    inspection_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    item_code = text(32, required=True)
    result = fields.String(required=True, validate=one_of(CHECKLIST_RESULTS))
    note = text(4000)


class ClaimedVerdictSchema(StrictSchema):
    critical = fields.String(required=True, validate=one_of(("pass", "fail")))
    major = fields.String(required=True, validate=one_of(("pass", "fail")))
    minor = fields.String(required=True, validate=one_of(("pass", "fail")))
    overall = fields.String(required=True, validate=one_of(("pass", "fail")))


class FinalizeSchema(StrictSchema):
    verdict = fields.Nested(ClaimedVerdictSchema, required=True,
                            metadata={"description": "The verdict the client computed and showed."})
    plan = fields.Dict(metadata={"description": "The client's plan per class, as in GET /aql/plan; checked when sent."})
    disposition = fields.String(allow_none=True, validate=one_of(DISPOSITIONS))
    finished_at = fields.DateTime()
    finish_location = fields.Nested(LocationSchema, allow_none=True)


class PhotoSchema(RecordSchema):
    IMMUTABLE = ("sha256", "inspection_id", "defect_id", "milestone_event_id", "corrective_action_id", "kind")
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$",
                                                                   error="A lowercase hex sha256 of the bytes."))
    kind = fields.String(required=True, validate=one_of(PHOTO_KINDS))
    factory_id = UUIDField(dump_only=True)
    inspection_id = UUIDField(allow_none=True)
    defect_id = UUIDField(allow_none=True)
    milestone_event_id = UUIDField(allow_none=True)
    corrective_action_id = UUIDField(allow_none=True, metadata={"description": "Evidence for a corrective action."})
    caption = text(500)
    captured_at = fields.DateTime(allow_none=True)
    # Known once the bytes arrive; null while the photo is pending.
    byte_size = fields.Integer(dump_only=True, allow_none=True)
    width = fields.Integer(dump_only=True, allow_none=True)
    height = fields.Integer(dump_only=True, allow_none=True)
    storage_state = fields.String(dump_only=True, metadata={"description": "pending until the bytes arrive"})
