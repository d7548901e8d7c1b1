"""One error shape for every failure.

``{"error": {"code": ..., "message": ..., "fields": {...}}}`` with the right
status: 4xx for the client's mistakes, 500 with no detail for ours.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from sync.core import ProtocolError

log = logging.getLogger("seamline.errors")

# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (or by an operator).
_QUERY_CANCELED = "57014"

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the client should see, raised by services and views."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def not_found(what: str = "record") -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


def validation_error(fields: dict, message: str = "The request has invalid fields.") -> ApiError:
    return ApiError(400, "validation_error", message, fields)


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten_webargs_messages(messages) -> dict:
    """webargs reports errors per location ({"json": {...}, "query": {...}}); clients want fields."""
    if not isinstance(messages, dict):
        return {"_request": messages}
    fields: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            fields.update(location_errors)
        else:
            fields.setdefault("_request", []).extend(location_errors if isinstance(location_errors, list) else [location_errors])
    return fields


def _out_of_range():
    return error_response(400, "validation_error", "A value cannot be stored in its field.",
                          {"_request": ["A number out of range, a text too long, or a character the database "
                                        "refuses."]})


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @app.errorhandler(ProtocolError)
    def _protocol_error(exc: ProtocolError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        if messages is not None:
            fields = _flatten_webargs_messages(messages)
            if fields.get("_request") == ["Invalid JSON body."] or "Invalid JSON body." in str(messages):
                return error_response(400, "invalid_json", "The request body is not valid JSON.")
            return error_response(400, "validation_error", "The request has invalid fields.", fields)
        code = _CODES_BY_STATUS.get(status, "http_error")
        message = exc.description if status != 500 else "Internal server error."
        headers = {}
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return error_response(status, code, message or code, headers=headers)

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        # Services check uniqueness and references first; this is the race that slipped past.
        log.info("integrity error: %s", exc.orig)
        return error_response(409, "conflict", "The change conflicts with existing data.")

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):
        # The schemas bound every value to its column; this is one that slipped past them
        # (PostgreSQL: numeric out of range, string too long, a NUL in text...). The client's, not ours.
        log.warning("data error: %s", exc.orig)
        return _out_of_range()

    @app.errorhandler(OverflowError)
    def _overflow(exc: OverflowError):
        # SQLite's driver refuses an integer beyond 64 bits with OverflowError (PostgreSQL: DataError).
        log.warning("overflow: %s", exc)
        return _out_of_range()

    @app.errorhandler(OperationalError)
    def _operational_error(exc: OperationalError):
        if getattr(exc.orig, "sqlstate", None) == _QUERY_CANCELED:
            # DB_STATEMENT_TIMEOUT_MS cut a statement short: the request asked too much of the database at
            # this moment. Nothing was written (its transaction rolls back); the statement is logged, not a trace.
            log.warning("statement cancelled after DB_STATEMENT_TIMEOUT_MS: %s", " ".join(str(exc.statement).split()))
            return error_response(503, "statement_timeout",
                                  "The database took too long to answer this request; try again later.",
                                  headers={"Retry-After": "30"})
        log.exception("database unavailable")
        return error_response(503, "unavailable", "The database is busy or unavailable; try again.",
                              headers={"Retry-After": "5"})

    @app.errorhandler(PoolTimeout)
    def _pool_exhausted(exc: PoolTimeout):
        # Every connection of this process's pool stayed busy for DB_POOL_TIMEOUT seconds: a burst, not a fault.
        log.warning("no database connection free: %s", exc)
        return error_response(503, "unavailable", "The database is busy or unavailable; try again.",
                              headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Internal server error.")
