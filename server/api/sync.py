"""The sync protocol's endpoints (see sync/PROTOCOL.md)."""

from flask import current_app, request
from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import EVERYONE, allow
from server.errors import ApiError
from server.gc_pause import collector_paused
from server.schemas.sync import (
    ConflictSchema,
    ImportFormSchema,
    ImportResponseSchema,
    PullQuery,
    PullResponseSchema,
    PushResponseSchema,
    PushSchema,
    RejectionQuery,
    RejectionSchema,
    ResolveSchema,
    UnsyncedFileSchema,
)
from server.services import sync_conflicts, sync_import, sync_pull, sync_push

blp = Blueprint("sync", "sync", url_prefix="/api/v1/sync",
                description="Offline sync: exactly-once push, gap-free pull, field conflicts.")


def _user():
    """The signed-in user itself: through the proxy each attribute read is a lookup, thousands per push."""
    return current_user._get_current_object()


@blp.route("/push", methods=["POST"])
@collector_paused()  # around parsing and the answer too: see server/gc_pause.py
@allow(*EVERYONE)
@blp.arguments(PushSchema)
@blp.response(200, PushResponseSchema)
def push(payload):
    """Apply the client's new mutations, in order, exactly once, in one transaction."""
    return sync_push.push(_user(), payload, request.headers.get("User-Agent"))


@blp.route("/pull", methods=["GET"])
@collector_paused()
@allow(*EVERYONE)
@blp.arguments(PullQuery, location="query")
@blp.response(200, PullResponseSchema)
def pull(query):
    """The changes the user may see since the cursor, from one consistent snapshot, in pages."""
    return sync_pull.pull(_user(), query, request.headers.get("User-Agent"))


@blp.route("/conflicts", methods=["GET"])
@allow(*EVERYONE)
@blp.response(200, ConflictSchema(many=True))
def conflicts():
    """Open conflicts on records you may change."""
    return sync_conflicts.list_conflicts(current_user)


@blp.route("/rejections", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(RejectionQuery, location="query")
@blp.response(200, RejectionSchema(many=True))
def rejections(query):
    """The mutations of your device that the server refused, oldest first, with the reason and the fields
    at fault: a client refreshes them after every sync, so none is lost with a lost answer."""
    return sync_push.rejections(current_user, query["client_id"])


@blp.route("/conflicts/<uuid:conflict_id>/resolve", methods=["POST"])
@allow(*EVERYONE)
@blp.arguments(ResolveSchema)
@blp.response(200, ConflictSchema)
def resolve(data, conflict_id):
    """Keep the stored value, take the incoming one, or set another; applied as a new change."""
    return sync_conflicts.resolve_conflict(current_user, conflict_id, data["choice"], data.get("value"))


@blp.route("/import", methods=["POST"])
@collector_paused()
@allow(*EVERYONE)
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": ImportFormSchema},
                                                    "application/json": {"schema": UnsyncedFileSchema}}})
@blp.response(200, ImportResponseSchema)
def import_unsynced():
    """Import a phone's exported unsynced-data file (PROTOCOL.md section 8).

    Send it as a form upload (field `file`) or as the JSON body. Its mutations apply as a push on the file
    user's behalf, then its photos are stored. Its own user or an admin may import it; importing it again,
    or after the phone synced part of it, applies only what is new."""
    # Photos travel base64-encoded inside the file: this route alone gets a larger body limit.
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    return sync_import.import_file(current_user, sync_import.read_file(_uploaded_file()))


def _uploaded_file() -> bytes:
    if request.mimetype == "multipart/form-data":
        form = blp.ARGUMENTS_PARSER.parse(ImportFormSchema, request, location="files")
        return form["file"].read()
    if request.is_json:
        return request.get_data(cache=False)
    raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data (field `file`) or as an "
                                                  "application/json body.")


BLUEPRINTS = [blp]
