from datetime import UTC

from marshmallow import fields, validate

from server.models.vocab import ROLES
from server.schemas.common import RecordSchema, StrictSchema, UUIDField, one_of, text


class LoginSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))


class UserSchema(RecordSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = text(120, required=True)
    role = fields.String(required=True, validate=one_of(ROLES))
    active = fields.Boolean(load_default=True)
    locale = fields.String(validate=validate.Length(min=2, max=16))
    factory_ids = fields.List(UUIDField(), dump_default=list)
    password = fields.String(load_only=True, validate=validate.Length(max=1024))


class MeSchema(StrictSchema):
    user = fields.Nested(UserSchema)
    role = fields.String()
    factories = fields.List(fields.Dict())
    csrf_token = fields.String(allow_none=True)


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class ApiTokenCreateSchema(StrictSchema):
    name = text(120, required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024),
                             metadata={"description": "Your password, asked again: a token outlives the session."})
    expires_at = fields.AwareDateTime(
        allow_none=True, load_default=None, default_timezone=UTC,
        metadata={"description": "When the token stops working (UTC unless an offset is given); none: until revoked."},
    )


class ApiTokenSchema(StrictSchema):
    id = UUIDField(dump_only=True)
    name = fields.String()
    prefix = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    expires_at = fields.DateTime(dump_only=True, allow_none=True)
    token = fields.String(dump_only=True, metadata={"description": "The secret; shown once, at creation."})


class InspectorSchema(StrictSchema):
    """An inspector as a booker chooses one: a name, not an account."""

    id = UUIDField(dump_only=True)
    display_name = fields.String(dump_only=True)
