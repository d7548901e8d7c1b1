"""gzip both ways: text answers (the API's JSON, the app's shell files) and the API's request bodies.

Phones on the factory floor are often on 2G; a sync's JSON and the app shell shrink to a
fifth or less. Images are already compressed and are left alone, as are streamed answers
(photo bytes), small bodies and clients that do not ask for gzip.

A push is the biggest thing a phone sends, so API request bodies may come gzipped
(`Content-Encoding: gzip`, PROTOCOL.md 2.9). They are inflated before any view reads them,
never beyond the body limit the plain request would have had: a small file that inflates to
gigabytes (a compression bomb) costs the server one limit's worth of memory and gets 413.
"""

from __future__ import annotations

import gzip
import io
import zlib

from flask import Flask, Response, current_app, request

from server.errors import ApiError

COMPRESSIBLE = {"application/json", "text/javascript", "application/javascript", "text/css", "text/html",
                "application/manifest+json", "image/svg+xml"}
MIN_BYTES = 1024
LEVEL = 6


# Routes whose plain body may be larger than MAX_CONTENT_LENGTH, by endpoint: their inflated body gets the same.
_LARGER_BODY_LIMITS = {"sync.import_unsynced": "IMPORT_MAX_BYTES"}
_READ_CHUNK = 64 * 1024


def install(app: Flask) -> None:
    app.before_request(_weak_if_none_match)
    app.before_request(inflate_request_body)
    app.after_request(compress)


def inflate_request_body() -> None:
    """Replace a gzipped API request body by its inflated bytes, as if the client had sent them plain.

    Runs after authentication (an unknown caller's body is never inflated). Both the compressed and the
    inflated bytes are bounded by the route's body limit (MAX_CONTENT_LENGTH, or the import's own) (413
    payload_too_large past it). Corrupt gzip is 400 invalid_encoding; an encoding other than gzip
    (or identity) is 415 unsupported_encoding."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if not encoding or encoding == "identity" or not request.path.startswith("/api/"):
        return
    if encoding != "gzip":
        raise ApiError(415, "unsupported_encoding", "Request bodies may be sent plain or with Content-Encoding: gzip.",
                       {"Content-Encoding": [f"{encoding!r} is not supported."]})
    limit = current_app.config[_LARGER_BODY_LIMITS.get(request.endpoint, "MAX_CONTENT_LENGTH")]
    request.max_content_length = limit  # the compressed bytes may not exceed it either
    body = _gunzip(request.stream, limit)
    environ = request.environ
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_CONTENT_ENCODING", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    # The request has not read its body yet (views do), but drop any view of it taken so far.
    for cached in ("stream", "input_stream", "_cached_data", "form", "files", "_cached_json"):
        request.__dict__.pop(cached, None)


def _gunzip(stream, limit: int) -> bytes:
    """Inflate every gzip member of ``stream``; never hold more than ``limit`` + one chunk of output."""
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    started = False
    try:
        while True:
            if not pending:
                pending = stream.read(_READ_CHUNK)
                if not pending:
                    break
            started = True
            out += inflater.decompress(pending, limit + 1 - len(out))
            if len(out) > limit:
                raise ApiError(413, "payload_too_large",
                               f"The request body inflates to more than {limit} bytes; send less per request.")
            pending = inflater.unconsumed_tail
            if inflater.eof:
                pending = pending or inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # a further gzip member may follow
                started = False
        if started and not inflater.eof:
            raise zlib.error("the gzip stream ends early")
    except zlib.error as error:
        raise ApiError(400, "invalid_encoding", f"The body is not valid gzip ({error}).") from None
    return bytes(out)


def _weak_if_none_match() -> None:
    """If-None-Match compares weakly (RFC 9110 13.1.2): the weak ETag of a gzipped answer matches its
    strong original. flask-smorest compares strongly, so the weak marks are dropped before it looks."""
    header = request.environ.get("HTTP_IF_NONE_MATCH")
    if header and "W/" in header:
        request.environ["HTTP_IF_NONE_MATCH"] = header.replace("W/", "")


def compress(response: Response) -> Response:
    if (response.status_code != 200 or request.method == "HEAD" or response.mimetype not in COMPRESSIBLE
            or "Content-Encoding" in response.headers or response.is_streamed and not response.direct_passthrough
            or not request.accept_encodings["gzip"]):
        return response
    response.direct_passthrough = False  # a shell file sent with send_from_directory: read it (they are small)
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary = {*response.vary, "Accept-Encoding"}
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # the same content, other bytes
    return response
