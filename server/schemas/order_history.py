"""An entry of an order's history, read from the audit trail (server/services/history.py)."""

from marshmallow import Schema, fields


class _Actor(Schema):
    id = fields.UUID()
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
    record_id = fields.UUID()
    record = fields.String(metadata={"description": "PO number, a line's style and colourway, a production "
                                                    "order's number"})
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(_FieldChange))
