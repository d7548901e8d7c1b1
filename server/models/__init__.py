"""All models, imported here so Alembic and the app see the whole schema."""

from server.models.accounts import ApiToken, FactoryAssignment, LoginThrottle, User, UserSession
from server.models.analytics import DefectGroup, DefectRollup, FigureRollup
from server.models.base import Versioned
from server.models.catalog import (
    AqlDefault,
    ChecklistTemplate,
    DefectType,
    Factory,
    MeasurementSpec,
    Style,
    TechPackVersion,
)
from server.models.changelog import AuditEntry, SyncState
from server.models.corrective_actions import CorrectiveAction
from server.models.inspections import (
    ChecklistResult,
    Inspection,
    InspectionDefect,
    InspectionItem,
    MeasurementResult,
    Photo,
)
from server.models.notifications import (
    DeliveryAttempt,
    EmailSubscription,
    NotificationDelivery,
    OverdueAnnouncement,
    WebhookEndpoint,
)
from server.models.orders import MilestoneEvent, ProductionOrder, PurchaseOrder, PurchaseOrderLine
from server.models.reviews import DefectReview, ReviewComment
from server.models.sync import SyncClient, SyncConflict, SyncRejection
from server.models.uploads import PhotoPartial, PhotoUpload, PhotoUploader

__all__ = [
    "AqlDefault", "ApiToken", "AuditEntry", "ChecklistResult", "ChecklistTemplate", "CorrectiveAction", "DefectRollup",
    "DefectGroup", "DefectReview", "DefectType", "ReviewComment",
    "Factory", "FactoryAssignment", "FigureRollup", "Inspection", "InspectionDefect", "InspectionItem",
    "LoginThrottle", "MeasurementResult", "MeasurementSpec", "MilestoneEvent", "Photo", "PhotoPartial",
    "PhotoUpload", "PhotoUploader",
    "ProductionOrder", "PurchaseOrder", "PurchaseOrderLine", "Style", "SyncClient", "SyncConflict", "SyncRejection", "SyncState",
    "TechPackVersion", "User", "UserSession", "Versioned",
    "DeliveryAttempt", "EmailSubscription", "NotificationDelivery", "OverdueAnnouncement", "WebhookEndpoint",
]


def _index_scope_and_version() -> None:
    """Sync pull asks each factory-scoped table for "this factory's rows changed after version v":
    one composite index answers it without scanning the factory's history."""
    from sqlalchemy import Index

    from server.extensions import db

    for table in db.metadata.sorted_tables:
        if "factory_id" in table.c and "server_version" in table.c:
            name = f"ix_{table.name}_factory_id_server_version"
            if name not in {index.name for index in table.indexes}:
                Index(name, table.c.factory_id, table.c.server_version)


_index_scope_and_version()


def _order_inserts_along_foreign_keys() -> None:
    """SQLAlchemy's unit of work orders the INSERTs of one flush only along relationship()s. A sync push
    writes a whole batch in one flush, so a record naming another new record of the batch through a plain
    foreign key (a corrective action its inspection, a photo its defect, a comment its review) would be
    inserted first and refused by the database, and the batch would fall back to one savepoint per
    mutation. Each such key therefore gets a many-to-one relationship that nothing reads (lazy="raise"):
    it only tells the flush which table goes first. Self-references are left out (rows of one table are
    inserted in the order they were added)."""
    from sqlalchemy.orm import relationship

    from server.extensions import db

    mappers = {mapper.local_table: mapper for mapper in db.Model.registry.mappers}
    for mapper in list(mappers.values()):
        ordered = {column for prop in mapper.relationships for column in (*prop.local_columns, *prop.remote_side)}
        for other in mappers.values():
            ordered |= {column for prop in other.relationships if prop.mapper is mapper
                        for column in prop.remote_side}
        for column in mapper.local_table.columns:
            for key in column.foreign_keys:
                target = mappers.get(key.column.table)
                if target is None or target is mapper or column in ordered:
                    continue
                mapper.add_property(f"_insert_after_{column.name}", relationship(
                    target.class_, foreign_keys=[column], lazy="raise", viewonly=False, cascade="",
                    sync_backref=False, passive_updates=True))


_order_inserts_along_foreign_keys()


def versioned_models() -> dict[str, type]:
    """Entity name -> model class for every domain (versioned) table."""
    from server.extensions import db

    return {
        mapper.class_.__entity__: mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Versioned)
    }
