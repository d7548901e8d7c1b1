"""The Blueprint every resource uses: bad arguments are 400s, in our error shape, and documented so."""

from __future__ import annotations

import http
from copy import deepcopy
from functools import wraps

from flask import current_app, request
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import unpack_tuple_response
from marshmallow import Schema, fields, missing
from webargs.core import parse_json
from webargs.flaskparser import FlaskParser, is_json_request

from server.json_limits import check_json_depth
from server.schemas.common import DecimalString, PageArgs


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(required=True, metadata={"description": "Field name -> list of problems (or, for "
                                                                 "nested data, the same shape inside)."})


class ErrorSchema(Schema):
    """The body of every error answer (server/errors.py shapes them all)."""

    error = fields.Nested(ErrorBodySchema, required=True)


class Api(SmorestApi):
    # Every documented error response (the per-operation default, 400, ...) has our body.
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Decimals travel as strings ("52.50"), exactly as stored; apispec would call them numbers.
        self.register_field(DecimalString, "string", "decimal")


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        raw = req.get_data(cache=True)
        check_json_depth(raw)  # before the parser, which would recurse once per level
        return parse_json(raw)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _Parser()
    PAGINATION_ARGUMENTS_PARSER = _Parser()

    def paginate(self, pager=None, *, page=None, page_size=None, max_page_size=None):
        """flask-smorest's pagination (the view gets ``pagination_parameters`` and sets item_count),
        with :class:`PageArgs`: the page number is bounded too, and errors name the limit."""
        if pager is not None or page not in (None, 1):
            raise NotImplementedError("only pagination inside the view, from page 1, is used here")
        args_schema = PageArgs.sized(page_size or 50, max_page_size or 500)
        error_status = self.PAGINATION_ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                parsed = self.PAGINATION_ARGUMENTS_PARSER.parse(args_schema, request, location="query")
                page_params = PaginationParameters(parsed["page"], parsed["page_size"])
                kwargs["pagination_parameters"] = page_params
                result, status, headers = unpack_tuple_response(current_app.ensure_sync(func)(*args, **kwargs))
                result, headers = self._set_pagination_metadata(page_params, result, headers)
                return result, status, headers

            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
            wrapper._apidoc["pagination"] = {
                "parameters": {"in": "query", "schema": args_schema},
                "response": {error_status: http.HTTPStatus(error_status).name},
            }
            return wrapper

        return decorator
