"""The purchase-order CSV layout: its columns, one row's schema and how each value is written back.

One row per purchase-order line; the order's own columns repeat on each of its lines and must agree.
The same layout is exported and imported, so an exported file imports as a no-op (docs/samples/).
"""

from __future__ import annotations

from decimal import Decimal

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, pre_load, validates_schema

from server.models.vocab import INCOTERMS, PURCHASE_ORDER_STATUSES
from server.schemas.common import MAX_QUANTITY, QueryArgs, StrictSchema, UUIDField, decimal_number, one_of, text, whole_number
from server.schemas.orders import CURRENCY

# The order's columns (the same on every row of an order), then the line's.
ORDER_COLUMNS = ("po_number", "factory_code", "season", "order_date", "status", "incoterm", "currency")
LINE_COLUMNS = ("style_number", "colourway", "sizes", "quantity", "unit_price", "ex_factory_date",
                "in_warehouse_date")
COLUMNS = ORDER_COLUMNS + LINE_COLUMNS
# A line is known by its order and these: a second row with the same ones is a duplicate.
LINE_KEY = ("style_number", "colourway")

# A spreadsheet export (ours too, server/services/exports.py) writes text starting like a formula with an
# apostrophe in front; the apostrophe is not part of the value.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REQUIRED_MESSAGE = "Required: the cell is empty."
MAX_SIZES = 200


class SizeBreakdown(fields.Field):
    """Sizes and their quantities in one cell: "S=120; M=240; L=240" (the order kept)."""

    def _deserialize(self, value, attr, data, **kwargs):
        breakdown: dict[str, int] = {}
        for part in str(value).split(";"):
            if not part.strip():
                continue
            size, equals, quantity = part.partition("=")
            size, quantity = size.strip(), quantity.strip()
            if not equals or not size or not quantity:
                raise ValidationError(f"Write sizes as SIZE=QUANTITY separated by semicolons (S=120; M=240), "
                                      f"not {part.strip()!r}.")
            if len(size) > 16:
                raise ValidationError(f"Size {size[:16]!r}... is longer than 16 characters.")
            if size in breakdown:
                raise ValidationError(f"Size {size!r} is given twice.")
            if not quantity.isdigit() or int(quantity) > MAX_QUANTITY:
                raise ValidationError(f"The quantity of size {size!r} must be a whole number from 0 to "
                                      f"{MAX_QUANTITY:,}.")
            breakdown[size] = int(quantity)
        if not breakdown:
            raise ValidationError("At least one size.")
        if len(breakdown) > MAX_SIZES:
            raise ValidationError(f"At most {MAX_SIZES} sizes.")
        return breakdown


def write_sizes(breakdown: dict) -> str:
    return "; ".join(f"{size}={quantity}" for size, quantity in breakdown.items())


class OrderRowSchema(Schema):
    """One row of the file, as text cells; a blank cell is an absent value."""

    po_number = text(40, required=True)
    factory_code = text(32, required=True)
    season = text(16)
    order_date = fields.Date(required=True)
    status = fields.String(required=True, validate=one_of(PURCHASE_ORDER_STATUSES))
    incoterm = fields.String(validate=one_of(INCOTERMS))
    currency = fields.String(required=True, validate=CURRENCY)
    style_number = text(40, required=True)
    colourway = text(80, required=True)
    sizes = SizeBreakdown(required=True)
    quantity = whole_number(1, MAX_QUANTITY, from_text=True, required=True)
    # NUMERIC(12, 4), as the line's column: exact, never a float.
    unit_price = decimal_number("0", "99999999.9999", 4, required=True)
    ex_factory_date = fields.Date(required=True)
    in_warehouse_date = fields.Date()

    @pre_load
    def _cells(self, row, **_):
        cleaned = {}
        for column, cell in row.items():
            cell = cell.strip()
            if cell[:1] == "'" and cell[1:2] and cell[1:].startswith(FORMULA_STARTS):
                cell = cell[1:]
            if cell:
                cleaned[column] = cell
        return cleaned

    @validates_schema
    def _consistent(self, data, **_):
        if "sizes" in data and "quantity" in data:
            total = sum(data["sizes"].values())
            if total != data["quantity"]:
                raise ValidationError(f"The sizes add up to {total:,}, not {data['quantity']:,}.", "quantity")
        if data.get("in_warehouse_date") and data.get("ex_factory_date") \
                and data["in_warehouse_date"] < data["ex_factory_date"]:
            raise ValidationError("Cannot be before the ex-factory date.", "in_warehouse_date")

    def load_row(self, row: dict) -> tuple[dict, dict]:
        """(the row's values, {column: [problems]}); a blank optional cell loads as None."""
        try:
            values = self.load(row)
        except ValidationError as exc:
            return {}, {column: [REQUIRED_MESSAGE if m == "Missing data for required field." else m
                                 for m in (messages if isinstance(messages, list) else [str(messages)])]
                        for column, messages in exc.messages.items()}
        return {column: values.get(column) for column in COLUMNS}, {}


def write_cell(column: str, value) -> str:
    """A value as the file holds it: the exact decimal with its four places, ISO dates, sizes as S=120; M=240."""
    if value is None:
        return ""
    if column == "sizes":
        return write_sizes(value)
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.0001')):f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class OrderImportArgs(QueryArgs):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "true: validate and report what would change (created, updated, unchanged, per-order "
                       "differences), writing nothing."})


class OrderImportFormSchema(StrictSchema):
    file = Upload(required=True, metadata={"description": "The CSV file, as an <input type=file> sends it."})


class OrderExportArgs(QueryArgs):
    factory_id = UUIDField(metadata={"description": "Only this factory's orders."})
    season = fields.String(metadata={"description": "Only orders of this season."})
    status = fields.String(validate=one_of(PURCHASE_ORDER_STATUSES), metadata={"description": "Only this status."})


class OrderImportCountsSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


class OrderImportChangeSchema(Schema):
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)


class OrderImportLineSchema(Schema):
    row = fields.Integer(metadata={"description": "The line's row in the file (the header is row 1)."})
    style_number = fields.String()
    colourway = fields.String()
    action = fields.String(metadata={"description": "create, update or unchanged"})
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(OrderImportChangeSchema))


class OrderImportOrderSchema(Schema):
    row = fields.Integer(metadata={"description": "The order's first row in the file."})
    po_number = fields.String()
    id = UUIDField(allow_none=True, metadata={"description": "The order's id; null for one a dry run would "
                                                              "create."})
    action = fields.String(metadata={"description": "create, update or unchanged (its own fields and lines)"})
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(OrderImportChangeSchema))
    lines = fields.List(fields.Nested(OrderImportLineSchema))


class OrderImportReportSchema(Schema):
    dry_run = fields.Boolean()
    orders = fields.Nested(OrderImportCountsSchema)
    lines = fields.Nested(OrderImportCountsSchema)
    changes = fields.List(fields.Nested(OrderImportOrderSchema), metadata={"description": "Every order of the file, in file "
                                                                              "order, with what changes."})
