"""An entry of an order's history, read from the audit trail (server/services/history.py)."""

from marshmallow import Schema, fields

from server.schemas.common import UUIDField


class _Actor(Schema):
    id = UUIDField()
    name = fields.String(allow_none=True)


class _FieldChange(Schema):
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class HistoryEntrySchema(Schema):
    at = fields.DateTime()
    action = fields.String(metadata={"description": "insert, update or delete"})
    source = fields.String(metadata={"description": "api, sync, import, cli, automation or seed"})
    actor = fields.Nested(_Actor, allow_none=True, metadata={"description": "null: the system itself (a seed)"})
    entity = fields.String(metadata={
        "description": "purchase_order, purchase_order_line, production_order, milestone_event or inspection"})
    record_id = UUIDField()
    record = fields.String(metadata={"description": "PO number, a line's style and colourway, a production "
                                                    "order's number"})
    record_name = fields.String(metadata={"description": "The record's number or name without its vocabulary code: "
                                                         "MO-A-1 for the milestone MO-A-1 sewing"})
    record_code = fields.String(allow_none=True, metadata={
        "description": "A milestone's stage or an inspection's type (vocabulary codes); null for orders and lines"})
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(_FieldChange))
