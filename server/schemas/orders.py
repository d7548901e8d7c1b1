from marshmallow import ValidationError, fields, validate, validates_schema

from server.models.vocab import (
    DELAY_REASONS,
    INCOTERMS,
    MILESTONE_STAGES,
    PRODUCTION_ORDER_STATUSES,
    PURCHASE_ORDER_STATUSES,
)
from server.schemas.common import (
    MAX_QUANTITY,
    MAX_STAGE_QUANTITY,
    RecordSchema,
    UUIDField,
    decimal_number,
    one_of,
    text,
    whole_number,
)

CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Use an ISO 4217 currency code.")


class StagePlan(fields.Dict):
    """The planned date of each milestone stage, {"cut": "2026-03-02", ...}: stages from the vocabulary, ISO dates.

    Loaded dates are kept as ISO strings, as the JSON column stores them and as the phone compares them."""

    def __init__(self, **kw):
        super().__init__(keys=fields.String(validate=one_of(MILESTONE_STAGES)), values=fields.Date(), **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        return {stage: planned.isoformat() for stage, planned in loaded.items()}

    def _serialize(self, value, attr, obj, **kwargs):
        return dict(value) if value is not None else {}


class PurchaseOrderSchema(RecordSchema):
    IMMUTABLE = ("factory_id",)
    po_number = text(40, required=True)
    factory_id = UUIDField(required=True)
    order_date = fields.Date(required=True)
    currency = fields.String(validate=CURRENCY)
    status = fields.String(validate=one_of(PURCHASE_ORDER_STATUSES))
    notes = text(4000)
    season = text(16)
    incoterm = fields.String(allow_none=True, validate=one_of(INCOTERMS))


class PurchaseOrderLineSchema(RecordSchema):
    IMMUTABLE = ("purchase_order_id",)
    purchase_order_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    style_id = UUIDField(required=True)
    colourway = text(80, required=True)
    size_breakdown = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=16)),
        values=whole_number(0, MAX_QUANTITY),
        required=True,
        validate=validate.Length(min=1, max=200, error="Between {min} and {max} sizes."),
    )
    quantity = whole_number(1, MAX_QUANTITY, required=True)
    # NUMERIC(12, 4)
    unit_price = decimal_number("0", "99999999.9999", 4, required=True)
    currency = fields.String(validate=CURRENCY)
    ex_factory_date = fields.Date(required=True)
    in_warehouse_date = fields.Date(allow_none=True)

    @validates_schema
    def _quantity_is_size_total(self, data, partial, **_):
        if "size_breakdown" in data and "quantity" in data:
            total = sum(data["size_breakdown"].values())
            if total != data["quantity"]:
                raise ValidationError(f"The sizes add up to {total}, not {data['quantity']}.", "quantity")
        if data.get("in_warehouse_date") and data.get("ex_factory_date") \
                and data["in_warehouse_date"] < data["ex_factory_date"]:
            raise ValidationError("Cannot be before the ex-factory date.", "in_warehouse_date")


class ProductionOrderSchema(RecordSchema):
    IMMUTABLE = ("purchase_order_id",)
    number = text(40, required=True)
    purchase_order_id = UUIDField(required=True)
    factory_id = UUIDField(required=True)
    purchase_order_line_id = UUIDField(allow_none=True)
    quantity = whole_number(1, MAX_QUANTITY, required=True)
    planned_start = fields.Date(allow_none=True)
    planned_finish = fields.Date(allow_none=True)
    status = fields.String(validate=one_of(PRODUCTION_ORDER_STATUSES))
    # A purchase order is split into production orders by the factory's line, by colourway or by delivery.
    factory_line = text(40)
    colourway = text(80)
    ex_factory_date = fields.Date(allow_none=True)
    stage_plan = StagePlan(metadata={"description": "The planned date of each milestone stage (ISO dates)."})


class MilestoneEventSchema(RecordSchema):
    production_order_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    stage = fields.String(required=True, validate=one_of(MILESTONE_STAGES))
    quantity = whole_number(0, MAX_STAGE_QUANTITY, required=True)
    occurred_on = fields.Date(required=True)
    delay_reason = fields.String(allow_none=True, validate=one_of(DELAY_REASONS))
    note = text(4000)
