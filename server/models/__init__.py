"""All models, imported here so Alembic and the app see the whole schema."""

from server.models.accounts import ApiToken, FactoryAssignment, LoginThrottle, User, UserSession
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
from server.models.inspections import (
    ChecklistResult,
    Inspection,
    InspectionDefect,
    InspectionItem,
    MeasurementResult,
    Photo,
)
from server.models.sync import SyncClient, SyncConflict, SyncRejection
from server.models.orders import MilestoneEvent, ProductionOrder, PurchaseOrder, PurchaseOrderLine

__all__ = [
    "AqlDefault", "ApiToken", "AuditEntry", "ChecklistResult", "ChecklistTemplate", "DefectType",
    "Factory", "FactoryAssignment", "Inspection", "InspectionDefect", "InspectionItem",
    "LoginThrottle", "MeasurementResult", "MeasurementSpec", "MilestoneEvent", "Photo",
    "ProductionOrder", "PurchaseOrder", "PurchaseOrderLine", "Style", "SyncClient", "SyncConflict", "SyncRejection", "SyncState",
    "TechPackVersion", "User", "UserSession", "Versioned",
]


def versioned_models() -> dict[str, type]:
    """Entity name -> model class for every domain (versioned) table."""
    from server.extensions import db

    return {
        mapper.class_.__entity__: mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Versioned)
    }
