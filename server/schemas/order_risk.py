"""Answers about production orders' delay risk (server/services/delay_risk.py) and the list's arguments."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from server.schemas.common import StrictSchema, UUIDField, one_of
from server.services.delay_risk import SORTS


class AtRiskArgs(StrictSchema):
    factory_id = UUIDField()
    sort = fields.String(load_default="days_late", validate=one_of(SORTS),
                         metadata={"description": "days_late or value (quantity × unit price), largest first"})


class StageLineSchema(StrictSchema):
    stage = fields.String()
    planned = fields.Date(allow_none=True)
    actual = fields.Date(allow_none=True, metadata={"description": "the day of the stage's first milestone"})
    days_late = fields.Integer(allow_none=True, metadata={
        "description": "actual minus planned; for a stage due and not reached, today minus planned"})
    reason = fields.String(allow_none=True)


class OutlookSchema(StrictSchema):
    production_order_id = UUIDField()
    number = fields.String()
    factory_id = UUIDField()
    ex_factory_date = fields.Date(allow_none=True)
    projected_ship_date = fields.Date(allow_none=True)
    days_late = fields.Integer()
    at_risk = fields.Boolean()
    slipping_stage = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    value = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String(allow_none=True)
    stages = fields.List(fields.Nested(StageLineSchema))


class ReasonShareSchema(StrictSchema):
    reason = fields.String(metadata={"description": "a delay reason code, or unexplained"})
    late_stages = fields.Integer()
    share = fields.Float()


class AtRiskSchema(StrictSchema):
    orders_looked_at = fields.Integer()
    at_risk = fields.List(fields.Nested(OutlookSchema))
    reason_shares = fields.List(fields.Nested(ReasonShareSchema))


class PunctualityArgs(StrictSchema):
    factory_id = UUIDField()
    date_from = fields.Date(metadata={"description": "first planned day counted, inclusive"})
    date_to = fields.Date(metadata={"description": "last planned day counted, inclusive"})

    @validates_schema
    def _date_range(self, data, **_):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("Must not be before date_from.", "date_to")


class FactoryPunctualitySchema(StrictSchema):
    factory_id = UUIDField()
    stages = fields.Integer(metadata={"description": "stages planned in the window and reached"})
    on_time = fields.Integer()
    late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    delay_reasons = fields.List(fields.Nested(ReasonShareSchema))


class PunctualitySchema(StrictSchema):
    factories = fields.List(fields.Nested(FactoryPunctualitySchema))
    delay_reasons = fields.List(fields.Nested(ReasonShareSchema))
