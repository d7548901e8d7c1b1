"""gzip for text answers: the JSON of the API and the app's own shell files.

Phones on the factory floor are often on 2G; a sync's JSON and the app shell shrink to a
fifth or less. Images are already compressed and are left alone, as are streamed answers
(photo bytes), small bodies and clients that do not ask for gzip.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

COMPRESSIBLE = {"application/json", "text/javascript", "application/javascript", "text/css", "text/html",
                "application/manifest+json", "image/svg+xml"}
MIN_BYTES = 1024
LEVEL = 6


def install(app: Flask) -> None:
    app.before_request(_weak_if_none_match)
    app.after_request(compress)


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
