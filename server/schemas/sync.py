from marshmallow import ValidationError, validate, validates_schema
from marshmallow import fields as ma

from server.schemas.common import StrictSchema
from sync.core import MAX_BATCH, MAX_PULL_LIMIT

CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{16,64}$", error="16 to 64 characters from A-Z, a-z, 0-9, _ and -.")


class MutationSchema(StrictSchema):
    id = ma.Integer(required=True, validate=validate.Range(min=1))
    entity = ma.String(required=True, validate=validate.Length(min=1, max=40))
    op = ma.String(required=True, validate=validate.OneOf(("upsert", "delete")))
    record_id = ma.UUID(required=True)
    fields = ma.Dict(keys=ma.String(), load_default=dict)
    base_version = ma.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0))


class PushSchema(StrictSchema):
    client_id = ma.String(required=True, validate=CLIENT_ID)
    protocol_version = ma.Integer(required=True)
    schema_version = ma.Integer(required=True)
    mutations = ma.List(ma.Nested(MutationSchema), required=True,
                            validate=validate.Length(max=MAX_BATCH))

    @validates_schema
    def _no_conflicting_duplicates(self, data, **_):
        seen = {}
        for mutation in data.get("mutations", []):
            if mutation["id"] in seen and seen[mutation["id"]] != mutation:
                raise ValidationError(f"Mutation {mutation['id']} appears twice with different content.",
                                      "mutations")
            seen[mutation["id"]] = mutation


class PushResultSchema(StrictSchema):
    id = ma.Integer()
    status = ma.String(metadata={"description": "applied, applied_with_conflicts, duplicate or rejected"})
    version = ma.Integer()
    code = ma.String()
    message = ma.String()
    fields = ma.Raw()
    conflicts = ma.List(ma.Dict())


class PushResponseSchema(StrictSchema):
    last_mutation_id = ma.Integer()
    database_id = ma.UUID()
    results = ma.List(ma.Nested(PushResultSchema))


class PullQuery(StrictSchema):
    client_id = ma.String(required=True, validate=CLIENT_ID)
    cursor = ma.String(validate=validate.Length(max=512))
    limit = ma.Integer(validate=validate.Range(min=1, max=MAX_PULL_LIMIT))
    protocol_version = ma.Integer(load_default=1)
    schema_version = ma.Integer(load_default=1)


class ChangeSchema(StrictSchema):
    entity = ma.String()
    id = ma.UUID()
    version = ma.Integer()
    deleted = ma.Boolean()
    fields = ma.Dict()


class PullResponseSchema(StrictSchema):
    changes = ma.List(ma.Nested(ChangeSchema))
    cursor = ma.String()
    has_more = ma.Boolean()
    reset = ma.Boolean()
    reason = ma.String()
    last_mutation_id = ma.Integer()
    database_id = ma.UUID()


class ConflictSchema(StrictSchema):
    id = ma.UUID()
    entity = ma.String()
    record_id = ma.UUID()
    factory_id = ma.UUID(allow_none=True)
    field = ma.String()
    stored_value = ma.Raw()
    incoming_value = ma.Raw()
    stored_version = ma.Integer()
    base_version = ma.Integer(allow_none=True)
    client_id = ma.String()
    mutation_id = ma.Integer()
    user_id = ma.UUID()
    at = ma.DateTime()
    resolved_at = ma.DateTime(allow_none=True)
    resolved_by_id = ma.UUID(allow_none=True)
    resolution = ma.String(allow_none=True)


class ResolveSchema(StrictSchema):
    choice = ma.String(required=True, validate=validate.OneOf(("stored", "incoming", "value")))
    value = ma.Raw(allow_none=True)

    @validates_schema
    def _value_with_choice(self, data, **_):
        if data.get("choice") == "value" and "value" not in data:
            raise ValidationError("Give the value to keep.", "value")
