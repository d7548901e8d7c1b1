"""Reference data: every signed-in user reads it (phones replicate it); admins maintain it."""

from server.api.resources import record_blueprint
from server.authz import ADMIN, EVERYONE
from server.models import AqlDefault, ChecklistTemplate, DefectType, MeasurementSpec, Style, TechPackVersion
from server.schemas.catalog import (
    AqlDefaultSchema,
    ChecklistTemplateSchema,
    DefectTypeSchema,
    MeasurementSpecSchema,
    StyleSchema,
    TechPackVersionSchema,
)
from server.services.records import Resource

styles = record_blueprint(
    "styles", "styles",
    Resource(Style, "style", filters=("season", "category", "active"), order_by=("style_number",)),
    StyleSchema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
    description="Styles (the designs being produced).",
)
tech_packs = record_blueprint(
    "tech_pack_versions", "tech-pack-versions",
    Resource(TechPackVersion, "tech-pack version", immutable=TechPackVersionSchema.IMMUTABLE,
             filters=("style_id",), order_by=("issued_on",)),
    TechPackVersionSchema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
    description="Tech-pack versions of a style: the one notion of version used everywhere.",
)
defect_types = record_blueprint(
    "defect_types", "defect-types",
    Resource(DefectType, "defect type", filters=("category", "active"), order_by=("code",)),
    DefectTypeSchema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
    description="The defect library.",
)
measurement_specs = record_blueprint(
    "measurement_specs", "measurement-specs",
    Resource(MeasurementSpec, "measurement spec", immutable=MeasurementSpecSchema.IMMUTABLE,
             filters=("style_id", "tech_pack_version_id", "size"), order_by=("size", "point_code")),
    MeasurementSpecSchema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
    description="Points of measure per size and tech-pack version.",
)
checklist_templates = record_blueprint(
    "checklist_templates", "checklist-templates",
    Resource(ChecklistTemplate, "checklist template", filters=("product_category", "inspection_type"),
             order_by=("product_category", "inspection_type")),
    ChecklistTemplateSchema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
    description="Checklist items per product category and inspection type.",
)
aql_defaults = record_blueprint(
    "aql_defaults", "aql-defaults",
    Resource(AqlDefault, "AQL default", filters=("product_category", "inspection_type"),
             order_by=("product_category", "inspection_type")),
    AqlDefaultSchema, read=EVERYONE, create=ADMIN, update=ADMIN, delete=ADMIN,
    description="Inspection level and AQL per severity class proposed for new inspections.",
)

BLUEPRINTS = [styles, tech_packs, defect_types, measurement_specs, checklist_templates, aql_defaults]
