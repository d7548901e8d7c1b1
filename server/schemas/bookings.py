"""A booking's request, its list's filters, and the answers: the planned inspection with its readiness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError, fields, validates, validates_schema

from server.models.vocab import INSPECTION_LEVELS, INSPECTION_TYPES
from server.schemas.common import MAX_QUANTITY, AqlField, StrictSchema, UUIDField, one_of, whole_number
from server.schemas.inspections import InspectionSchema

# A booking is for today or later; "today" is the booker's, a day either side of UTC's.
_PAST_DAYS_ALLOWED = 1


class BookingSchema(StrictSchema):
    production_order_id = UUIDField(required=True)
    inspection_type = fields.String(required=True, validate=one_of(INSPECTION_TYPES))
    planned_date = fields.Date(required=True)
    inspector_id = UUIDField(allow_none=True, metadata={
        "description": "An inspector assigned to the order's factory; empty: any of them may take it."})
    lot_size = whole_number(1, MAX_QUANTITY, metadata={"description": "Default: the production order's quantity."})
    inspection_level = fields.String(validate=one_of(INSPECTION_LEVELS))
    aql_critical = AqlField()
    aql_major = AqlField()
    aql_minor = AqlField()

    @validates("planned_date")
    def _not_past(self, value, **_):
        if value < datetime.now(UTC).date() - timedelta(days=_PAST_DAYS_ALLOWED):
            raise ValidationError("A booking is for today or a later day.")


class BookingQuery(StrictSchema):
    factory_id = UUIDField()
    inspector_id = UUIDField()
    inspection_type = fields.String(validate=one_of(INSPECTION_TYPES))
    date_from = fields.Date()
    date_to = fields.Date()

    @validates_schema
    def _date_range(self, data, **_):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("Must not be before date_from.", "date_to")


class ReadinessSchema(StrictSchema):
    ready = fields.Boolean(metadata={"description": "The order has reached the stage this inspection needs."})
    reason = fields.String(allow_none=True, metadata={
        "description": "Why not: sewing_not_started (inline) or packed_below_threshold (final)."})
    packed_quantity = fields.Integer(allow_none=True)
    needed_quantity = fields.Integer(allow_none=True, metadata={
        "description": "Packed pieces a final inspection needs (BOOKING_FINAL_PACKED_PERCENT of the order)."})


class BookedSchema(StrictSchema):
    inspection = fields.Nested(InspectionSchema)
    readiness = fields.Nested(ReadinessSchema)
