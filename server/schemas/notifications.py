from marshmallow import EXCLUDE, fields, validate

from server.models.vocab import DELIVERY_STATUSES, NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS
from server.schemas.common import StrictSchema, UUIDField

_EVENT = fields.String(validate=validate.OneOf(NOTIFICATION_EVENTS))


def _event_list(min_length: int = 0, **kwargs):
    return fields.List(
        fields.String(validate=validate.OneOf(NOTIFICATION_EVENTS)),
        validate=validate.Length(min=min_length, max=len(NOTIFICATION_EVENTS)),
        **kwargs,
    )


class WebhookEndpointSchema(StrictSchema):
    id = UUIDField(dump_only=True)
    # require_tld=False: a receiver on the same host or network (localhost, an intranet name) is a real case.
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2048),
                     metadata={"description": "Where events are POSTed; http or https only."})
    description = fields.String(allow_none=True, validate=validate.Length(max=200))
    events = _event_list(1, required=True, metadata={"description": "The events this endpoint gets."})
    active = fields.Boolean(load_default=True,
                            metadata={"description": "An inactive endpoint gets nothing; its pending deliveries "
                                                     "are given up."})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    created_by_id = UUIDField(dump_only=True, allow_none=True)
    updated_by_id = UUIDField(dump_only=True, allow_none=True)


class WebhookEndpointPatchSchema(WebhookEndpointSchema):
    active = fields.Boolean()


class WebhookEndpointWithSecretSchema(WebhookEndpointSchema):
    secret = fields.String(dump_only=True, metadata={
        "description": "The HMAC-SHA256 signing key. Shown only here, when it is made (creation, rotation); "
                       "store it with the receiver."})


class DeliveryAttemptSchema(StrictSchema):
    number = fields.Integer(dump_only=True)
    at = fields.DateTime(dump_only=True)
    ok = fields.Boolean(dump_only=True)
    response_code = fields.Integer(dump_only=True, allow_none=True)
    error = fields.String(dump_only=True, allow_none=True)


class DeliverySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    event_id = UUIDField(dump_only=True, metadata={"description": "The same in every delivery of one event."})
    event = fields.String(dump_only=True)
    occurred_at = fields.DateTime(dump_only=True)
    channel = fields.String(dump_only=True)
    endpoint_id = UUIDField(dump_only=True, allow_none=True)
    recipient_email = fields.String(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True)
    attempts = fields.Integer(dump_only=True)
    next_attempt_at = fields.DateTime(dump_only=True)
    last_attempt_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    response_code = fields.Integer(dump_only=True, allow_none=True,
                                   metadata={"description": "The receiver's HTTP status, or the SMTP reply code."})
    delivered_at = fields.DateTime(dump_only=True, allow_none=True)
    payload = fields.Dict(dump_only=True)
    attempt_log = fields.List(fields.Nested(DeliveryAttemptSchema), dump_only=True)


class DeliveryFilterSchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE  # the pagination arguments share the query string

    endpoint_id = UUIDField()
    channel = fields.String(validate=validate.OneOf(NOTIFICATION_CHANNELS))
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    event = _EVENT


class EmailPreferencesSchema(StrictSchema):
    user_id = UUIDField(dump_only=True)
    email = fields.String(dump_only=True)
    events = _event_list(required=True, metadata={"description": "The events this user gets an e-mail for "
                                                                 "(none by default)."})
