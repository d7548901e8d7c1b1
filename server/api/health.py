"""Liveness and schema state, for load balancers and operators."""

from flask import current_app
from marshmallow import Schema, fields

from server import __version__
from server.api.blueprint import Blueprint
from server.authz import public
from server.services.health import health_report

blp = Blueprint("health", "health", url_prefix="/api/v1/health", description="Service health.")


class HealthSchema(Schema):
    status = fields.String()
    version = fields.String()
    database = fields.String(metadata={"description": "sqlite or postgresql"})
    migrations_at_head = fields.Boolean()
    revision = fields.String(allow_none=True)
    head = fields.String(allow_none=True)


@blp.route("", methods=["GET"])
@public
@blp.response(200, HealthSchema)
def health():
    """App version, database backend, and whether the schema is at the newest migration."""
    return health_report(__version__, current_app.extensions["migrate"].directory)


BLUEPRINTS = [blp]
