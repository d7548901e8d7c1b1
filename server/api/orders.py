"""Purchase orders, production orders and milestones, scoped by factory."""

from server.api.resources import record_blueprint
from server.services import entities

BLUEPRINTS = [
    record_blueprint("purchase_orders", "purchase-orders", entities.PURCHASE_ORDERS,
                     "Purchase orders: what the brand commits to buy from a factory."),
    record_blueprint("purchase_order_lines", "purchase-order-lines", entities.PURCHASE_ORDER_LINES,
                     "Lines of a purchase order: style, colourway, sizes, quantity, price, ex-factory date."),
    record_blueprint("production_orders", "production-orders", entities.PRODUCTION_ORDERS,
                     "Factory-side work fulfilling a purchase order; one PO can have several."),
    record_blueprint("milestone_events", "milestone-events", entities.MILESTONE_EVENTS,
                     "Work-in-progress milestones. Append-only: a stage's state is its latest event."),
]
