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


def versioned_models() -> dict[str, type]:
    """Entity name -> model class for every domain (versioned) table."""
    from server.extensions import db

    return {
        mapper.class_.__entity__: mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Versioned)
    }
