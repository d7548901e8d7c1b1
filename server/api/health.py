"""Liveness, schema state and the state of the stores behind the app, for load balancers and operators."""

from flask import current_app
from marshmallow import Schema, fields

from server import __version__
from server.api.blueprint import Blueprint
from server.authz import public
from server.services.health import health_report

blp = Blueprint("health", "health", url_prefix="/api/v1/health", description="Service health.")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok, or unavailable (answered with 503) when a store fails"})
    version = fields.String()
    database = fields.String(metadata={"description": "sqlite or postgresql"})
    database_ok = fields.Boolean(metadata={"description": "whether the database answered a query"})
    migrations_at_head = fields.Boolean()
    revision = fields.String(allow_none=True)
    head = fields.String(allow_none=True)
    photo_storage = fields.String(metadata={"description": "local or s3"})
    photo_storage_ok = fields.Boolean(metadata={"description": "whether the photo storage answered"})


@blp.route("", methods=["GET"])
@public
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database or the photo storage does not answer.")
def health():
    """App version, database backend, whether the schema is at the newest migration, and whether the
    database and the photo storage (local disk or S3 bucket) answer: 503 when either does not."""
    report = health_report(__version__, current_app.extensions["migrate"].directory)
    return report, 200 if report["status"] == "ok" else 503


BLUEPRINTS = [blp]
