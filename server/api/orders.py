"""Purchase orders, production orders and milestones, scoped by factory."""

from server.api.resources import record_blueprint
from server.models import MilestoneEvent, ProductionOrder, PurchaseOrder, PurchaseOrderLine
from server.schemas.orders import (
    MilestoneEventSchema,
    ProductionOrderSchema,
    PurchaseOrderLineSchema,
    PurchaseOrderSchema,
)
from server.services.records import Resource

ORDER_READERS = ("inspector", "factory", "manager", "admin")
ORDER_WRITERS = ("manager", "admin")

purchase_orders = record_blueprint(
    "purchase_orders", "purchase-orders",
    Resource(PurchaseOrder, "purchase order", immutable=PurchaseOrderSchema.IMMUTABLE,
             filters=("factory_id", "status"), order_by=("order_date", "po_number")),
    PurchaseOrderSchema, read=ORDER_READERS, create=ORDER_WRITERS, update=ORDER_WRITERS, delete=ORDER_WRITERS,
    description="Purchase orders: what the brand commits to buy from a factory.",
)
purchase_order_lines = record_blueprint(
    "purchase_order_lines", "purchase-order-lines",
    Resource(PurchaseOrderLine, "purchase-order line", immutable=PurchaseOrderLineSchema.IMMUTABLE,
             parent_field="purchase_order_id", filters=("purchase_order_id", "style_id")),
    PurchaseOrderLineSchema, read=ORDER_READERS, create=ORDER_WRITERS, update=ORDER_WRITERS, delete=ORDER_WRITERS,
    description="Lines of a purchase order: style, colourway, sizes, quantity, price, ex-factory date.",
)
production_orders = record_blueprint(
    "production_orders", "production-orders",
    Resource(ProductionOrder, "production order", immutable=ProductionOrderSchema.IMMUTABLE,
             filters=("purchase_order_id", "factory_id", "status"), order_by=("number",)),
    ProductionOrderSchema, read=ORDER_READERS, create=ORDER_WRITERS, update=ORDER_WRITERS, delete=ORDER_WRITERS,
    description="Factory-side work fulfilling a purchase order; one PO can have several.",
)
# Append-only: no update or delete; a correction is a new event.
milestone_events = record_blueprint(
    "milestone_events", "milestone-events",
    Resource(MilestoneEvent, "milestone event", parent_field="production_order_id",
             filters=("production_order_id", "stage"), order_by=("occurred_on", "server_version")),
    MilestoneEventSchema, read=ORDER_READERS, create=("inspector", "factory", "manager", "admin"),
    update=None, delete=None,
    description="Work-in-progress milestones. Append-only: a stage's state is its latest event.",
)

BLUEPRINTS = [purchase_orders, purchase_order_lines, production_orders, milestone_events]
