"""ISO 2859-1 sampling plans and the tables behind them."""

from marshmallow import fields

from server.api.blueprint import Blueprint
from server.authz import EVERYONE, allow
from server.schemas.common import StrictSchema
from server.services.aql import lookup_plan, tables

blp = Blueprint("aql", "aql", url_prefix="/api/v1/aql",
                description="ISO 2859-1:1999 single sampling plans, computed from the same tables the app caches.")


class PlanQuery(StrictSchema):
    lot_size = fields.String(required=True, metadata={"description": "Units in the lot (a whole number >= 1)."})
    level = fields.String(load_default="II", metadata={"description": "S-1, S-2, S-3, S-4, I, II or III."})
    aql = fields.String(required=True, metadata={"description": "An AQL column (2.5, 4 = 4.0, ...) or 0."})
    inspection = fields.String(load_default="normal", metadata={"description": "normal, tightened or reduced."})


class PlanSchema(StrictSchema):
    code_letter = fields.String()
    plan_letter = fields.String()
    sample_size = fields.Integer()
    accept = fields.Integer()
    reject = fields.Integer()
    full_inspection = fields.Boolean()
    tables = fields.String()


@blp.route("/plan", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(PlanQuery, location="query")
@blp.response(200, PlanSchema)
def plan(query):
    """The single sampling plan for a lot. A bad parameter is a 400 naming it."""
    return lookup_plan(**query)


@blp.route("/tables", methods=["GET"])
@allow(*EVERYONE)
@blp.etag
@blp.response(200, headers={"Cache-Control": {"description": "private, no-cache: revalidated every time",
                                              "schema": {"type": "string"}}})
def get_tables():
    """The complete tables, versioned, so the offline app computes plans from the server's data.

    They change with a new edition only: the ETag lets a phone that checks after every sync get a
    304 of a few bytes instead of the 23 KB again (its browser revalidates on its own).
    """
    return tables(), {"Cache-Control": "private, no-cache"}


BLUEPRINTS = [blp]
