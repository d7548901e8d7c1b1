from marshmallow import fields, validate

from server.models.vocab import (
    DEFECT_CATEGORIES,
    INSPECTION_LEVELS,
    INSPECTION_TYPES,
    PRODUCT_CATEGORIES,
    SEVERITIES,
)
from server.schemas.common import AqlField, RecordSchema, StrictSchema, UUIDField, decimal_number, one_of, text


class FactorySchema(RecordSchema):
    code = text(32, required=True)
    name = text(200, required=True)
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166 alpha-2 code."))
    city = text(120)
    timezone = text(64, allow_none=False)
    steady_production = fields.Boolean()
    active = fields.Boolean()


class StyleSchema(RecordSchema):
    style_number = text(40, required=True)
    name = text(200, required=True)
    season = text(16)
    category = fields.String(required=True, validate=one_of(PRODUCT_CATEGORIES))
    description = text(4000)
    active = fields.Boolean()


class TechPackVersionSchema(RecordSchema):
    IMMUTABLE = ("style_id",)
    style_id = UUIDField(required=True)
    version_label = text(40, required=True)
    issued_on = fields.Date(required=True)
    approved_by_id = UUIDField(allow_none=True)
    approved_at = fields.Date(allow_none=True)
    notes = text(4000)


class DefectTypeSchema(RecordSchema):
    code = text(32, required=True)
    name = text(200, required=True)
    category = fields.String(required=True, validate=one_of(DEFECT_CATEGORIES))
    default_severity = fields.String(required=True, validate=one_of(SEVERITIES))
    description = text(4000)
    names_translated = fields.Dict(keys=fields.String(validate=validate.Length(min=2, max=16)),
                                   values=fields.String(validate=validate.Length(max=200)))
    active = fields.Boolean()


class MeasurementSpecSchema(RecordSchema):
    IMMUTABLE = ("style_id", "tech_pack_version_id")
    style_id = UUIDField(required=True)
    tech_pack_version_id = UUIDField(required=True)
    size = text(16, required=True)
    point_code = text(16, required=True)
    point_name = text(200, required=True)
    # NUMERIC(8, 2) and NUMERIC(6, 2): a garment measures less than a million units, a tolerance less than 10,000.
    spec_value = decimal_number("0", "999999.99", 2, required=True)
    tolerance_minus = decimal_number("0", "9999.99", 2, required=True)
    tolerance_plus = decimal_number("0", "9999.99", 2, required=True)
    unit = fields.String(validate=one_of(("cm", "in", "mm")))


class ChecklistItemSchema(StrictSchema):
    code = text(32, required=True)
    text = text(500, required=True)


class ChecklistTemplateSchema(RecordSchema):
    product_category = fields.String(required=True, validate=one_of(PRODUCT_CATEGORIES))
    inspection_type = fields.String(required=True, validate=one_of(INSPECTION_TYPES))
    name = text(200, required=True)
    items = fields.List(fields.Nested(ChecklistItemSchema), required=True,
                        validate=validate.Length(max=500, error="At most {max} items."))


class AqlDefaultSchema(RecordSchema):
    product_category = fields.String(required=True, validate=one_of(PRODUCT_CATEGORIES))
    inspection_type = fields.String(required=True, validate=one_of(INSPECTION_TYPES))
    inspection_level = fields.String(validate=one_of(INSPECTION_LEVELS))
    aql_critical = AqlField()
    aql_major = AqlField()
    aql_minor = AqlField()
