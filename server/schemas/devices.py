from marshmallow import EXCLUDE, fields

from server.schemas.common import StrictSchema, UUIDField


class DeviceSchema(StrictSchema):
    client_id = fields.String(dump_only=True)
    user_id = UUIDField(dump_only=True)
    user_email = fields.String(dump_only=True)
    user_name = fields.String(dump_only=True)
    user_agent = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    last_seen_at = fields.DateTime(dump_only=True, metadata={"description": "The last push or pull."})
    last_mutation_id = fields.Integer(dump_only=True, metadata={"description": "The last mutation handled."})
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_by_id = UUIDField(dump_only=True, allow_none=True)


class DeviceFilterSchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE  # the pagination arguments share the query string

    user_id = UUIDField(metadata={"description": "Only this user's devices (admins)."})


class RevokeDeviceSchema(StrictSchema):
    end_sessions = fields.Boolean(
        load_default=False,
        metadata={"description": "Also end every login session of the device's user (their other devices "
                                 "log in again); revoking alone stops syncing, not a logged-in browser."},
    )
