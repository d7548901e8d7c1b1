from marshmallow import ValidationError, fields, validate, validates_schema

from server.models.vocab import (
    DELAY_REASONS,
    MILESTONE_STAGES,
    PRODUCTION_ORDER_STATUSES,
    PURCHASE_ORDER_STATUSES,
)
from server.schemas.common import (
    MAX_QUANTITY,
    MAX_STAGE_QUANTITY,
    RecordSchema,
    decimal_number,
    one_of,
    text,
    whole_number,
)

CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Use an ISO 4217 currency code.")


class PurchaseOrderSchema(RecordSchema):
    IMMUTABLE = ("factory_id",)
    po_number = text(40, required=True)
    factory_id = fields.UUID(required=True)
    order_date = fields.Date(required=True)
    currency = fields.String(validate=CURRENCY)
    status = fields.String(validate=one_of(PURCHASE_ORDER_STATUSES))
    notes = text(4000)


class PurchaseOrderLineSchema(RecordSchema):
    IMMUTABLE = ("purchase_order_id",)
    purchase_order_id = fields.UUID(required=True)
    factory_id = fields.UUID(dump_only=True)
    style_id = fields.UUID(required=True)
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

    @validates_schema
    def _quantity_is_size_total(self, data, partial, **_):
        if "size_breakdown" in data and "quantity" in data:
            total = sum(data["size_breakdown"].values())
            if total != data["quantity"]:
                raise ValidationError(f"The sizes add up to {total}, not {data['quantity']}.", "quantity")


class ProductionOrderSchema(RecordSchema):
    IMMUTABLE = ("purchase_order_id",)
    number = text(40, required=True)
    purchase_order_id = fields.UUID(required=True)
    factory_id = fields.UUID(required=True)
    purchase_order_line_id = fields.UUID(allow_none=True)
    quantity = whole_number(1, MAX_QUANTITY, required=True)
    planned_start = fields.Date(allow_none=True)
    planned_finish = fields.Date(allow_none=True)
    status = fields.String(validate=one_of(PRODUCTION_ORDER_STATUSES))


class MilestoneEventSchema(RecordSchema):
    production_order_id = fields.UUID(required=True)
    factory_id = fields.UUID(dump_only=True)
    stage = fields.String(required=True, validate=one_of(MILESTONE_STAGES))
    quantity = whole_number(0, MAX_STAGE_QUANTITY, required=True)
    occurred_on = fields.Date(required=True)
    delay_reason = fields.String(allow_none=True, validate=one_of(DELAY_REASONS))
    note = text(4000)
