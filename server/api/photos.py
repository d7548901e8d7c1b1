"""Photo bytes: resumable, content-addressed uploads and downloads (sync/PROTOCOL.md section 7)."""

from flask import Response, request
from flask_login import current_user
from marshmallow import EXCLUDE, fields, validate
from werkzeug.routing import BaseConverter

from server.api.blueprint import Blueprint
from server.api.resources import record_blueprint
from server.authz import EVERYONE, allow
from server.schemas.common import MAX_CLIENT_COUNTER, StrictSchema, whole_number
from server.services import entities, photos

blp = Blueprint("photos", "photos", url_prefix="/api/v1/photos",
                description="Photo bytes by sha256: HEAD to ask how far an upload got, PATCH to append, GET to view.")
UPLOADERS = photos.UPLOADERS


class Sha256Converter(BaseConverter):
    """Only a lowercase hex sha256 names a photo; anything else is a plain 404."""

    regex = "[0-9a-f]{64}"


@blp.record_once
def _register_converter(state):
    state.app.url_map.converters["sha256"] = Sha256Converter


class UploadHeaders(StrictSchema):
    class Meta:
        unknown = EXCLUDE

    offset = whole_number(0, MAX_CLIENT_COUNTER, from_text=True, required=True, data_key="Upload-Offset")
    length = whole_number(1, MAX_CLIENT_COUNTER, from_text=True, data_key="Upload-Length")


class ViewQuery(StrictSchema):
    size = fields.String(load_default="display", validate=validate.OneOf(tuple(photos.SIZES)))


def _offset_headers(offset: int, length: int) -> dict:
    return {"Upload-Offset": str(offset), "Upload-Length": str(length), "Cache-Control": "no-store"}


@blp.route("/<sha256:sha256>", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(ViewQuery, location="query")
@blp.response(200)
def view(query, sha256):
    """The photo (thumb, display or original, all without EXIF), for those who may see a stored record of it.
    HEAD answers Upload-Offset and Upload-Length: the whole length to a user who may have the stored bytes,
    else how many bytes the server holds of the user's own upload; 404 when neither."""
    if request.method == "HEAD":
        held, length = photos.upload_status(current_user, sha256)
        return Response(status=200, headers=_offset_headers(held, length))
    presigned = photos.presigned_photo_url(current_user, sha256, query["size"])
    if presigned is not None:
        # The URL expires soon, so the redirect itself must not be cached; the bytes behind it are.
        return Response(status=302, headers={"Location": presigned, "Cache-Control": "private, no-store"})
    stream, size = photos.open_photo(current_user, sha256, query["size"])
    mimetype = "image/jpeg" if query["size"] != "original" else _sniff(stream)
    response = Response(_chunks(stream), mimetype=mimetype, direct_passthrough=True)
    response.content_length = size
    # The name is the content's hash: it can never change, so it is cached for good (privately).
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.set_etag(f"{sha256}-{query['size']}")
    return response


@blp.route("/<sha256:sha256>", methods=["PATCH"])
@allow(*UPLOADERS)
@blp.arguments(UploadHeaders, location="headers")
@blp.response(204)
def append(headers, sha256):
    """Append a chunk (at most 1 MiB) at Upload-Offset to your own upload; send Upload-Length with the first chunk.
    A wrong offset gets 409 with the right one. A new upload past your bytes in flight gets 429
    too_many_bytes_in_flight. The last byte triggers the hash check (a mismatch discards only your upload)
    and the pipeline."""
    offset, length, _complete = photos.append_chunk(current_user, sha256, headers["offset"], headers.get("length"),
                                                    request.get_data(cache=False))
    return Response(status=204, headers=_offset_headers(offset, length))


def _chunks(stream, size: int = 64 * 1024):
    with stream:
        while block := stream.read(size):
            yield block


def _sniff(stream) -> str:
    head = stream.read(12)
    stream.seek(0)
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


records = record_blueprint("photo_records", "photo-records", entities.PHOTOS,
                           "Photo records: what a photo belongs to, its caption, and whether its bytes arrived.")

BLUEPRINTS = [blp, records]
