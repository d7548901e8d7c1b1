"""The Blueprint every resource uses: bad arguments are 400s, in our error shape."""

from __future__ import annotations

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(metadata={"description": "Field name -> list of problems."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _Parser()
