"""CSV exports of inspections, defects, measurements and every dashboard table.

The same filters as the screens; streamed, UTF-8 with a BOM, formula injection
neutralised (server.services.exports). Who may export what follows
server.api.analytics: designers get the defect exports.
"""

from datetime import date

from flask import Response, stream_with_context
from flask_login import current_user
from marshmallow import RAISE

from server.api.analytics import DEFECT_ROLES, FIGURES_ROLES
from server.api.blueprint import Blueprint
from server.authz import allow
from server.schemas import analytics as s
from server.services import exports
from server.services.analytics import Filters

blp = Blueprint("exports", "exports", url_prefix="/api/v1/exports",
                description="CSV (UTF-8 with BOM) of the figures and the records behind them, streamed.")

CSV_RESPONSE = {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV, streamed"}


def query(schema):
    return blp.arguments(schema, location="query", unknown=RAISE, as_kwargs=False)


def _csv(name: str, table) -> Response:
    header, rows = table
    response = Response(stream_with_context(exports.stream_csv(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="seamline-{name}-{date.today().isoformat()}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _route(path, endpoint, roles, schema, doc):
    def decorate(view):
        view.__doc__ = doc
        wrapped = blp.doc(responses={"200": CSV_RESPONSE})(view)
        if schema is not None:
            wrapped = query(schema)(wrapped)
        return blp.route(path, methods=["GET"], endpoint=endpoint)(allow(*roles)(wrapped))
    return decorate


@_route("/inspections.csv", "inspections", FIGURES_ROLES, s.InspectionListArgs,
        "Finalized inspections matching the filters, oldest first, with defect counts per class and the reason a lot failed.")
def inspections(args):
    return _csv("inspections", exports.inspections(current_user, Filters.from_args(args)))


@_route("/defects.csv", "defects", DEFECT_ROLES, s.InspectionListArgs,
        "Every defect recorded in the finalized inspections matching the filters.")
def defects(args):
    return _csv("defects", exports.defects(current_user, Filters.from_args(args)))


@_route("/measurements.csv", "measurements", FIGURES_ROLES, s.InspectionListArgs,
        "Every measurement of the finalized inspections matching the filters, out of tolerance marked.")
def measurements(args):
    return _csv("measurements", exports.measurements(current_user, Filters.from_args(args)))


@_route("/pass-rates.csv", "pass_rates", FIGURES_ROLES, s.PassRateArgs,
        "The dashboard's pass-rate table for one grouping.")
def pass_rates(args):
    return _csv(f"pass-rates-by-{args['group_by']}",
                exports.pass_rates(current_user, Filters.from_args(args), args["group_by"]))


@_route("/defect-pareto.csv", "defect_pareto", DEFECT_ROLES, s.ParetoArgs, "The defect Pareto table.")
def defect_pareto(args):
    return _csv("defect-pareto", exports.pareto(current_user, Filters.from_args(args), args["limit"]))


@_route("/rejected-lots.csv", "rejected_lots", FIGURES_ROLES, s.FilterArgs, "Every rejected lot with its reason.")
def rejected_lots(args):
    return _csv("rejected-lots", exports.rejected_lots(current_user, Filters.from_args(args)))


@_route("/switching.csv", "switching", FIGURES_ROLES, None, "Each factory's switching state with the reason.")
def switching():
    return _csv("switching", exports.switching(current_user))


BLUEPRINTS = [blp]
