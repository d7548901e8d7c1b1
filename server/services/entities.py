"""Every kind of domain record, with its schema and who may read and write it.

The REST blueprints and the sync protocol both read this table, so a rule is
stated once and holds on every path.
"""

from __future__ import annotations

from marshmallow import fields as ma_fields

from server.authz import ADMIN, EVERYONE
from server.models import (
    AqlDefault,
    ChecklistResult,
    ChecklistTemplate,
    CorrectiveAction,
    DefectReview,
    DefectType,
    Factory,
    Inspection,
    InspectionDefect,
    InspectionItem,
    MeasurementResult,
    MeasurementSpec,
    MilestoneEvent,
    Photo,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    ReviewComment,
    Style,
    TechPackVersion,
)
from server.models.vocab import CORRECTIVE_ACTION_QC_ROLES
from server.schemas.catalog import (
    AqlDefaultSchema,
    ChecklistTemplateSchema,
    DefectTypeSchema,
    FactorySchema,
    MeasurementSpecSchema,
    StyleSchema,
    TechPackVersionSchema,
)
from server.schemas.corrective_actions import CorrectiveActionSchema
from server.schemas.inspections import (
    ChecklistResultSchema,
    FinalizeSchema,
    InspectionDefectSchema,
    InspectionItemSchema,
    InspectionSchema,
    MeasurementResultSchema,
    PhotoSchema,
)
from server.schemas.orders import (
    MilestoneEventSchema,
    ProductionOrderSchema,
    PurchaseOrderLineSchema,
    PurchaseOrderSchema,
)
from server.schemas.reviews import DefectReviewSchema, ReviewCommentSchema
from server.services import corrective_actions, rollups
from server.services.finalize import apply_finalize
from server.services.inspections import before_inspection_write
from server.services.photos import before_photo_write
from server.services.records import ComputedFilter, Operation, Resource
from server.services.reviews import before_review_write

ORDER_READERS = ("inspector", "factory", "manager", "admin")
ORDER_WRITERS = ("manager", "admin")
INSPECTION_READERS = ("inspector", "factory", "designer", "manager", "admin")
RECORDERS = ("inspector", "admin")
NOBODY: tuple[str, ...] = ()


def _reference(model, label, schema, filters, order_by, scope_column=None, before_write=None):
    return Resource(model, label, schema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
                    filters=filters, order_by=order_by, scope_column=scope_column, before_write=before_write)


def _restating(restate, copied: tuple[str, ...]):
    """A before_write that rewrites the review queue's copies of a record's fields when an edit touches them."""
    def before_write(user, record, data, is_new):
        if not is_new and any(field in data for field in copied):
            restate(record)
    return before_write


def _inspection_part(model, label, schema, filters=("inspection_id",)):
    return Resource(model, label, schema, read=INSPECTION_READERS, create=RECORDERS, update=RECORDERS,
                    delete=RECORDERS, parent_field="inspection_id", filters=filters)


# Every user sees the factories in their scope, and only those.
FACTORIES = _reference(Factory, "factory", FactorySchema, ("country", "active"), ("code",), scope_column="id")
# The review queue's groups copy a style's number, season and category, and a defect type's code and category.
STYLES = _reference(Style, "style", StyleSchema, ("season", "category", "active"), ("style_number",),
                    before_write=_restating(rollups.restate_style, tuple(rollups.STYLE_COPIES.values())))
TECH_PACK_VERSIONS = _reference(TechPackVersion, "tech-pack version", TechPackVersionSchema, ("style_id",),
                                ("issued_on",))
DEFECT_TYPES = _reference(DefectType, "defect type", DefectTypeSchema, ("category", "active"), ("code",),
                          before_write=_restating(rollups.restate_defect_type,
                                                  tuple(rollups.DEFECT_TYPE_COPIES.values())))
MEASUREMENT_SPECS = _reference(MeasurementSpec, "measurement spec", MeasurementSpecSchema,
                               ("style_id", "tech_pack_version_id", "size"), ("size", "point_code"))
CHECKLIST_TEMPLATES = _reference(ChecklistTemplate, "checklist template", ChecklistTemplateSchema,
                                 ("product_category", "inspection_type"), ("product_category", "inspection_type"))
AQL_DEFAULTS = _reference(AqlDefault, "AQL default", AqlDefaultSchema, ("product_category", "inspection_type"),
                          ("product_category", "inspection_type"))

PURCHASE_ORDERS = Resource(PurchaseOrder, "purchase order", PurchaseOrderSchema, read=ORDER_READERS,
                           create=ORDER_WRITERS, update=ORDER_WRITERS, delete=ORDER_WRITERS,
                           filters=("factory_id", "status", "season"), order_by=("order_date", "po_number"))
PURCHASE_ORDER_LINES = Resource(PurchaseOrderLine, "purchase-order line", PurchaseOrderLineSchema,
                                read=ORDER_READERS, create=ORDER_WRITERS, update=ORDER_WRITERS,
                                delete=ORDER_WRITERS, parent_field="purchase_order_id",
                                filters=("purchase_order_id", "style_id"))
PRODUCTION_ORDERS = Resource(ProductionOrder, "production order", ProductionOrderSchema, read=ORDER_READERS,
                             create=ORDER_WRITERS, update=ORDER_WRITERS, delete=ORDER_WRITERS,
                             filters=("purchase_order_id", "factory_id", "status"), order_by=("number",))
# Append-only: no update or delete; a correction is a new event.
MILESTONE_EVENTS = Resource(MilestoneEvent, "milestone event", MilestoneEventSchema, read=ORDER_READERS,
                            create=("inspector", "factory", "manager", "admin"), update=NOBODY, delete=NOBODY,
                            parent_field="production_order_id", filters=("production_order_id", "stage"),
                            order_by=("occurred_on", "server_version"))

INSPECTIONS = Resource(Inspection, "inspection", InspectionSchema, read=INSPECTION_READERS,
                       create=("inspector", "manager", "admin"), update=("inspector", "manager", "admin"),
                       delete=("manager", "admin"),
                       filters=("factory_id", "status", "inspector_id", "production_order_id", "inspection_type"),
                       order_by=("planned_date", "created_at"), before_write=before_inspection_write,
                       # The server recomputes plan and verdict and refuses a mismatch with the client's.
                       operations=(Operation("finalize", RECORDERS, FinalizeSchema, apply_finalize),),
                       # Booked against a production order (server/services/bookings.py): by a factory's own
                       # staff for their factory, by managers and admins for any.
                       grants=(("book", ("factory", "manager", "admin")),))
INSPECTION_ITEMS = _inspection_part(InspectionItem, "inspection item", InspectionItemSchema)
INSPECTION_DEFECTS = Resource(InspectionDefect, "inspection defect", InspectionDefectSchema,
                              read=INSPECTION_READERS, create=RECORDERS, update=RECORDERS, delete=RECORDERS,
                              parent_field="inspection_id", filters=("inspection_id", "severity", "defect_type_id"),
                              # A critical defect opens the inspection's corrective action.
                              before_write=corrective_actions.before_defect_write)
MEASUREMENT_RESULTS = _inspection_part(MeasurementResult, "measurement result", MeasurementResultSchema)
CHECKLIST_RESULTS = _inspection_part(ChecklistResult, "checklist result", ChecklistResultSchema)
PHOTOS = Resource(Photo, "photo", PhotoSchema, read=INSPECTION_READERS, create=("inspector", "factory", "admin"),
                  update=("inspector", "factory", "admin"), delete=("inspector", "factory", "admin"),
                  filters=("inspection_id", "defect_id", "milestone_event_id", "corrective_action_id", "sha256"),
                  before_write=before_photo_write)
# One per failed inspection (its id derived from the inspection's); answered by the factory, verified by QC.
# Closed, never deleted. The workflow's rules live in before_write, so REST and sync push share them.
CORRECTIVE_ACTIONS = Resource(CorrectiveAction, "corrective action", CorrectiveActionSchema,
                              read=("inspector", "factory", "manager", "admin"), create=CORRECTIVE_ACTION_QC_ROLES,
                              update=("factory", *CORRECTIVE_ACTION_QC_ROLES), delete=NOBODY,
                              parent_field="inspection_id", filters=("factory_id", "status", "inspection_id"),
                              computed_filters=(ComputedFilter("overdue", lambda: ma_fields.Boolean(metadata={
                                  "description": "Only actions past their due date and not closed (or, false, "
                                                 "the others)."}), corrective_actions.overdue_clause),),
                              order_by=("due_date", "created_at"),
                              before_write=corrective_actions.before_corrective_action_write)

# Design review (issue 14): designers, managers and admins write reviews of finalized inspections' defects; the
# inspection's factory (its inspectors and staff) reads them, on phones too. Comments are append-only.
REVIEWERS = ("designer", "manager", "admin")
DEFECT_REVIEWS = Resource(DefectReview, "defect review", DefectReviewSchema, read=INSPECTION_READERS,
                          create=REVIEWERS, update=REVIEWERS, delete=REVIEWERS, parent_field="inspection_id",
                          filters=("inspection_id", "style_id", "defect_type_id", "severity", "status",
                                   "fix_tech_pack_version_id"),
                          before_write=before_review_write)
REVIEW_COMMENTS = Resource(ReviewComment, "review comment", ReviewCommentSchema, read=INSPECTION_READERS,
                           create=REVIEWERS, update=NOBODY, delete=NOBODY, parent_field="review_id",
                           filters=("review_id",), order_by=("created_at",))

REFERENCE = (FACTORIES, STYLES, TECH_PACK_VERSIONS, DEFECT_TYPES, MEASUREMENT_SPECS, CHECKLIST_TEMPLATES,
             AQL_DEFAULTS)
# Corrective actions before photos: an evidence photo names its action.
FACTORY_RECORDS = (PURCHASE_ORDERS, PURCHASE_ORDER_LINES, PRODUCTION_ORDERS, MILESTONE_EVENTS, INSPECTIONS,
                   INSPECTION_ITEMS, INSPECTION_DEFECTS, MEASUREMENT_RESULTS, CHECKLIST_RESULTS, CORRECTIVE_ACTIONS,
                   PHOTOS, DEFECT_REVIEWS, REVIEW_COMMENTS)
# In dependency order: a client applying a page in this order never sees a child before its parent.
ALL = REFERENCE + FACTORY_RECORDS
BY_ENTITY = {resource.entity: resource for resource in ALL}


def _index_pull_of_own_records() -> None:
    """Designers and managers replicate the factory records they created themselves (PROTOCOL.md 4.2): their
    pull asks each table for "my rows changed after version v", which one composite index answers."""
    from sqlalchemy import Index

    for resource in FACTORY_RECORDS:
        table = resource.model.__table__
        name = f"ix_{table.name}_created_by_id_server_version"
        if name not in {index.name for index in table.indexes}:
            Index(name, table.c.created_by_id, table.c.server_version)


def _index_list_order() -> None:
    """A list page of factory records is "the first 50 in this order": an index in that order (ending with
    the id, the tie-breaker) reads just those rows, where a table scan would sort them all. Factory records
    grow without bound; reference data stays a few hundred rows and needs none."""
    from sqlalchemy import Index

    for resource in FACTORY_RECORDS:
        table = resource.model.__table__
        name = f"ix_{table.name}_list_order"
        unique_already = len(resource.order_by) == 1 and table.c[resource.order_by[0]].unique
        if not unique_already and name not in {index.name for index in table.indexes}:
            Index(name, *[table.c[column] for column in (*resource.order_by, "id")])


_index_pull_of_own_records()
_index_list_order()
