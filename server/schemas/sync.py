import base64
import binascii
import hashlib

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, validate, validates_schema
from marshmallow import fields as ma

from server.schemas.common import MAX_CLIENT_COUNTER, StrictSchema, UUIDField, whole_number
from sync.core import MAX_BATCH, MAX_PULL_LIMIT, OPERATIONS

# Protocol, schema and file format versions: small numbers that grow by one now and then.
MAX_VERSION = 1_000
CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{16,64}$", error="16 to 64 characters from A-Z, a-z, 0-9, _ and -.")


class MutationSchema(StrictSchema):
    id = whole_number(1, MAX_CLIENT_COUNTER, required=True)
    entity = ma.String(required=True, validate=validate.Length(min=1, max=40))
    op = ma.String(required=True, validate=validate.OneOf(OPERATIONS), metadata={
        "description": "upsert, delete, or a named operation of the entity (an inspection's finalize)"})
    record_id = UUIDField(required=True)
    fields = ma.Dict(load_default=dict)  # JSON object keys are strings already
    base_version = whole_number(0, MAX_CLIENT_COUNTER, allow_none=True, load_default=None)


class PushSchema(StrictSchema):
    client_id = ma.String(required=True, validate=CLIENT_ID)
    protocol_version = whole_number(0, MAX_VERSION, required=True)
    schema_version = whole_number(0, MAX_VERSION, required=True)
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


class ConflictRefSchema(StrictSchema):
    id = UUIDField()
    field = ma.String()


class OutcomeSchema(StrictSchema):
    status = ma.String(metadata={"description": "applied, applied_with_conflicts or rejected"})
    version = ma.Integer(allow_none=True)
    code = ma.String()
    message = ma.String()
    fields = ma.Raw()
    conflicts = ma.List(ma.Nested(ConflictRefSchema))
    derived = ma.Dict(metadata={"description": "for a record stored as sent: the fields the server derived "
                                               "(PROTOCOL.md 2.11)"})


class PushResultSchema(OutcomeSchema):
    id = ma.Integer()
    status = ma.String(metadata={"description": "applied, applied_with_conflicts, duplicate or rejected"})
    outcome = ma.Nested(OutcomeSchema, metadata={
        "description": "For a duplicate: what became of the mutation when it was first handled (PROTOCOL.md 2.3)."})


class JsonReadyList(ma.List):
    """A list the service already built of JSON values in its documented shape (a push's results: thousands of
    them, each a small dict of numbers and strings), sent as it is: dumping each through its schema was a
    twentieth of a big push's time. The inner schema still documents it, and a test holds the service to it
    (tests/sync_protocol/test_bulk_push.py)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)


class PushResponseSchema(StrictSchema):
    last_mutation_id = ma.Integer()
    database_id = UUIDField()
    results = JsonReadyList(ma.Nested(PushResultSchema))


class PullQuery(StrictSchema):
    client_id = ma.String(required=True, validate=CLIENT_ID)
    cursor = ma.String(validate=validate.Length(max=512))
    limit = whole_number(1, MAX_PULL_LIMIT, from_text=True)
    skip_echoes = ma.Boolean(load_default=False, metadata={
        "description": "true: leave out records this client wrote that the server stored as sent (PROTOCOL.md 3.7)"})
    protocol_version = whole_number(0, MAX_VERSION, from_text=True, load_default=1)
    schema_version = whole_number(0, MAX_VERSION, from_text=True, load_default=1)


class ChangeSchema(StrictSchema):
    entity = ma.String()
    id = UUIDField()
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
    database_id = UUIDField()


class ConflictSchema(StrictSchema):
    id = UUIDField()
    entity = ma.String()
    record_id = UUIDField()
    factory_id = UUIDField(allow_none=True)
    field = ma.String()
    stored_value = ma.Raw()
    incoming_value = ma.Raw()
    stored_version = ma.Integer()
    base_version = ma.Integer(allow_none=True)
    client_id = ma.String()
    mutation_id = ma.Integer()
    user_id = UUIDField()
    at = ma.DateTime()
    resolved_at = ma.DateTime(allow_none=True)
    resolved_by_id = UUIDField(allow_none=True)
    resolution = ma.String(allow_none=True)


class RejectionQuery(StrictSchema):
    client_id = ma.String(required=True, validate=CLIENT_ID)


class RejectionSchema(StrictSchema):
    mutation_id = ma.Integer()
    entity = ma.String()
    record_id = ma.String()
    op = ma.String()
    fields = ma.Raw(metadata={"description": "The fields the mutation carried."})
    code = ma.String()
    message = ma.String()
    details = ma.Raw(metadata={"description": "The fields at fault, each with its problems."})
    at = ma.DateTime()


class ResolveSchema(StrictSchema):
    choice = ma.String(required=True, validate=validate.OneOf(("stored", "incoming", "value")))
    value = ma.Raw(allow_none=True)

    @validates_schema
    def _value_with_choice(self, data, **_):
        if data.get("choice") == "value" and "value" not in data:
            raise ValidationError("Give the value to keep.", "value")


# --- the exported unsynced-data file (PROTOCOL.md section 8) ----------------------------------

EXPORT_FORMAT = "seamline-unsynced"
EXPORT_FORMAT_VERSIONS = frozenset({1})
# One import is one push transaction; this bounds it far above any real outbox.
MAX_IMPORT_MUTATIONS = 20_000


class Base64Bytes(ma.String):
    """Bytes as standard, padded base64 with no line breaks; anything else is an error, never a guess."""

    default_error_messages = {"invalid_base64": "Not valid base64."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise self.make_error("invalid_base64") from exc


class ExportedUserSchema(StrictSchema):
    id = UUIDField(required=True)
    email = ma.String(required=True, validate=validate.Length(max=254),
                      metadata={"description": "For people reading the file; the id decides."})


class ExportedPhotoSchema(StrictSchema):
    sha256 = ma.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="64 lowercase hex digits."))
    content_type = ma.String(required=True, validate=validate.Length(min=1, max=100),
                             metadata={"description": "For people reading the file; the server goes by the bytes."})
    data = Base64Bytes(required=True, validate=validate.Length(min=1, error="The photo is empty."),
                       metadata={"format": "byte"})

    @validates_schema
    def _bytes_match_hash(self, data, **_):
        if hashlib.sha256(data["data"]).hexdigest() != data["sha256"]:
            raise ValidationError("Does not match the sha256 of data.", "sha256")


class ExportHeaderSchema(Schema):
    """Read first, on its own: is this our file at all, and a version we can read?"""

    class Meta:
        unknown = EXCLUDE

    format = ma.String(required=True, validate=validate.Equal(EXPORT_FORMAT, error=f"Must be {EXPORT_FORMAT!r}."))
    format_version = whole_number(0, MAX_VERSION, required=True)


class UnsyncedFileSchema(PushSchema):
    """The whole file: a push (client, versions, mutations) plus who exported it and the photo bytes."""

    format = ma.String(required=True, validate=validate.Equal(EXPORT_FORMAT))
    format_version = ma.Integer(required=True, strict=True, validate=validate.OneOf(sorted(EXPORT_FORMAT_VERSIONS)))
    exported_at = ma.DateTime(required=True)
    user = ma.Nested(ExportedUserSchema, required=True)
    mutations = ma.List(ma.Nested(MutationSchema), required=True, validate=validate.Length(max=MAX_IMPORT_MUTATIONS))
    photos = ma.List(ma.Nested(ExportedPhotoSchema), required=True)
    # What the phone showed as refused when it exported; the server holds these rejections already, so an import
    # reads them only to accept the file whole.
    refused = ma.List(ma.Dict(), load_default=list, validate=validate.Length(max=MAX_IMPORT_MUTATIONS))


class ImportFormSchema(StrictSchema):
    file = Upload(required=True, metadata={"description": "The exported file, as an <input type=file> sends it."})


class ImportRejectionSchema(StrictSchema):
    id = ma.Integer()
    code = ma.String()
    message = ma.String()
    fields = ma.Raw()


class ImportMutationsSchema(StrictSchema):
    applied = ma.Integer(metadata={"description": "Applied by this import (conflicts included)."})
    with_conflicts = ma.Integer(metadata={"description": "Of those, applied with field conflicts to resolve."})
    duplicate = ma.Integer(metadata={"description": "Already handled before (a push or an earlier import): skipped."})
    rejected = ma.Integer(metadata={"description": "Could never apply; recorded as rejections."})
    rejections = ma.List(ma.Nested(ImportRejectionSchema))


class ImportRefusalSchema(StrictSchema):
    sha256 = ma.String()
    code = ma.String()
    message = ma.String()


class ImportPhotosSchema(StrictSchema):
    stored = ma.Integer(metadata={"description": "Stored by this import."})
    present = ma.Integer(metadata={"description": "The server already had these bytes: skipped."})
    refused = ma.Integer()
    refusals = ma.List(ma.Nested(ImportRefusalSchema))


class ImportResponseSchema(StrictSchema):
    client_id = ma.String()
    user_id = UUIDField(metadata={"description": "The file's user, whose permissions applied."})
    last_mutation_id = ma.Integer()
    database_id = UUIDField()
    mutations = ma.Nested(ImportMutationsSchema)
    photos = ma.Nested(ImportPhotosSchema)
