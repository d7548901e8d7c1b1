"""Managers' figures: pass rates, DHU, the defect Pareto, rejected lots, switching, scorecards.

Inspectors and factory users get their own factories' figures only (the
service applies factory_scope); designers get the defect analytics; managers
and admins everything.
"""

from flask_login import current_user
from marshmallow import RAISE

from server.api.blueprint import Blueprint
from server.authz import allow
from server.schemas import analytics as s
from server.services import analytics
from server.services.analytics import Filters

FIGURES_ROLES = ("inspector", "factory", "manager", "admin")
DEFECT_ROLES = ("inspector", "factory", "designer", "manager", "admin")

blp = Blueprint("analytics", "analytics", url_prefix="/api/v1/analytics",
                description="Figures computed by the database over finalized inspections (UTC dates).")


def query(schema):
    """Strict query arguments: webargs would drop unknown query parameters by default."""
    return blp.arguments(schema, location="query", unknown=RAISE, as_kwargs=False)


@blp.route("/pass-rates", methods=["GET"], endpoint="pass_rates")
@allow(*FIGURES_ROLES)
@query(s.PassRateArgs)
@blp.response(200, s.PassRatesSchema)
def pass_rates(args):
    """Pass rate, first-time pass rate and DHU per factory, style, category, inspector, type or
    period, each group with its trend by period."""
    return analytics.pass_rates(current_user, Filters.from_args(args), args["group_by"])


@blp.route("/defect-pareto", methods=["GET"], endpoint="defect_pareto")
@allow(*DEFECT_ROLES)
@query(s.ParetoArgs)
@blp.response(200, s.ParetoSchema)
def defect_pareto(args):
    """Defect types by count, with share and cumulative share."""
    return analytics.pareto(current_user, Filters.from_args(args), args["limit"])


@blp.route("/rejected-lots", methods=["GET"], endpoint="rejected_lots")
@allow(*FIGURES_ROLES)
@query(s.PageArgs)
@blp.response(200, s.InspectionPageSchema)
def rejected_lots(args):
    """Failed inspections, newest first, each with its reason in words."""
    return analytics.rejected_lots(current_user, Filters.from_args(args), args["page"], args["page_size"])


@blp.route("/inspections", methods=["GET"], endpoint="inspections")
@allow(*DEFECT_ROLES)
@query(s.InspectionListArgs)
@blp.response(200, s.InspectionPageSchema)
def inspections(args):
    """The finalized inspections behind a figure (same filters), newest first."""
    return analytics.inspections(current_user, Filters.from_args(args), args["page"], args["page_size"])


@blp.route("/switching", methods=["GET"], endpoint="switching")
@allow(*FIGURES_ROLES)
@blp.response(200, s.SwitchingListSchema)
def switching():
    """Each visible factory's ISO 2859-1 switching state (the worst class's), with the reason in words."""
    return {"rows": analytics.switching_states(current_user)}


@blp.route("/factories/<uuid:factory_id>/scorecard", methods=["GET"], endpoint="scorecard")
@allow(*FIGURES_ROLES)
@query(s.FilterArgs)
@blp.response(200, s.ScorecardSchema)
def scorecard(args, factory_id):
    """One factory: pass rates, DHU and their trend, top defects, last inspections, switching, deliveries."""
    return analytics.scorecard(current_user, factory_id, Filters.from_args(args))


BLUEPRINTS = [blp]
