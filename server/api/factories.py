"""Factories, and the ISO 2859-1 switching state of each."""

from flask_login import current_user
from marshmallow import fields

from server.api.resources import record_blueprint
from server.authz import EVERYONE, allow
from server.schemas.accounts import InspectorSchema
from server.schemas.common import StrictSchema
from server.services import records, users
from server.services.entities import FACTORIES, INSPECTIONS
from server.services.switching import factory_switching

blp = record_blueprint("factories", "factories", FACTORIES,
                       "Factories. Inspectors and factory users see only their own.")


class SwitchingTransitionSchema(StrictSchema):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    after_lot = fields.String()
    inspection_id = fields.String(allow_none=True)
    when = fields.String(allow_none=True)
    reason = fields.String()
    reason_code = fields.String(metadata={"description": "The reason as a code (server/aql/switching.py REASON_CODES)"})
    reason_params = fields.Dict(metadata={"description": "The code's parameters: lots, counts, the score"})


class ClassSwitchingSchema(StrictSchema):
    state = fields.String(metadata={"description": "normal, tightened, reduced or discontinued"})
    score = fields.Integer(metadata={"description": "ISO 2859-1:1999 switching score (normal inspection)"})
    reason = fields.String(metadata={"description": "Why, in words, naming the lots"})
    reason_code = fields.String(metadata={"description": "The reason as a code (server/aql/switching.py REASON_CODES)"})
    reason_params = fields.Dict(metadata={"description": "The code's parameters: lots, counts, the score"})
    reason_notes = fields.List(fields.Dict(), metadata={
        "description": "Clauses added to the reason, each {code, params} (server/aql/switching.py NOTE_CODES)"})
    history = fields.List(fields.Nested(SwitchingTransitionSchema))
    tightened_accepted_in_a_row = fields.Integer()
    tightened_not_accepted = fields.Integer()
    lots = fields.Integer(metadata={"description": "Original inspections counted"})


class SwitchingSchema(StrictSchema):
    factory_id = fields.UUID()
    steady_production = fields.Boolean()
    critical = fields.Nested(ClassSwitchingSchema)
    major = fields.Nested(ClassSwitchingSchema)
    minor = fields.Nested(ClassSwitchingSchema)


@blp.route("/<uuid:record_id>/switching", methods=["GET"], endpoint="switching")
@allow(*EVERYONE)
@blp.response(200, SwitchingSchema)
def switching(record_id):
    """Each severity class's current switching state, score, reason and history of states."""
    factory = records.get_record(FACTORIES, current_user, record_id)
    return {"factory_id": factory.id, "steady_production": factory.steady_production, **factory_switching(factory)}


@blp.route("/<uuid:record_id>/inspectors", methods=["GET"], endpoint="inspectors")
@allow(*INSPECTIONS.grant("book"))
@blp.response(200, InspectorSchema(many=True))
def inspectors(record_id):
    """The active inspectors assigned to the factory, by name: whom a booking for its orders may name."""
    factory = records.get_record(FACTORIES, current_user, record_id)
    return users.inspectors_of(factory.id)


BLUEPRINTS = [blp]
