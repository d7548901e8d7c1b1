"""Delay risk of production orders: each order's timeline (planned against actual, projected ship date) and its
history (its plan's changes, its milestones and bookings), and the managers' list of orders projected to miss
their ex-factory date."""

from flask_login import current_user
from marshmallow import RAISE

from server.api.blueprint import Blueprint
from server.authz import allow
from server.schemas.order_history import HistoryEntrySchema
from server.schemas.order_risk import AtRiskArgs, AtRiskSchema, OutlookSchema, PunctualityArgs, PunctualitySchema
from server.services import delay_risk, entities, history, records

blp = Blueprint("order_risk", "order_risk", url_prefix="/api/v1/production-orders",
                description="Planned against actual per milestone stage; orders at risk of shipping late.")


@blp.route("/at-risk", methods=["GET"])
@allow("manager", "admin", "factory")
@blp.arguments(AtRiskArgs, location="query", unknown=RAISE)
@blp.response(200, AtRiskSchema)
def at_risk(query):
    """Open orders projected past their ex-factory date, by days late or value; delay reasons' shares."""
    return delay_risk.at_risk(current_user, query)


@blp.route("/punctuality", methods=["GET"])
@allow("manager", "admin", "factory", "inspector")
@blp.arguments(PunctualityArgs, location="query", unknown=RAISE)
@blp.response(200, PunctualitySchema)
def punctuality(query):
    """Per factory: the milestone stages reached on or before their planned day, and the delays by reason."""
    return delay_risk.punctuality(current_user, query.get("factory_id"), query.get("date_from"), query.get("date_to"))


@blp.route("/<uuid:record_id>/timeline", methods=["GET"])
@allow(*entities.PRODUCTION_ORDERS.read)
@blp.response(200, OutlookSchema)
def timeline(record_id):
    """Every stage's planned and actual day, the projected ship date and whether the order is at risk."""
    return delay_risk.order_outlook(records.get_record(entities.PRODUCTION_ORDERS, current_user, record_id))


@blp.route("/<uuid:record_id>/history", methods=["GET"])
@allow(*entities.PRODUCTION_ORDERS.read)
@blp.response(200, HistoryEntrySchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def production_order_history(record_id, pagination_parameters):
    """Every change to the production order (its stage plan and ex-factory date with old and new values), its
    milestones and the inspections booked against it, newest first, from the audit trail."""
    items, total = history.production_order_history(current_user, record_id, pagination_parameters.page,
                                                    pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


BLUEPRINTS = [blp]
