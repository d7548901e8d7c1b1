"""Reference data: every signed-in user reads it (phones replicate it); admins maintain it."""

from server.api.resources import record_blueprint
from server.services import entities

BLUEPRINTS = [
    record_blueprint("styles", "styles", entities.STYLES, "Styles (the designs being produced)."),
    record_blueprint("tech_pack_versions", "tech-pack-versions", entities.TECH_PACK_VERSIONS,
                     "Tech-pack versions of a style: the one notion of version used everywhere."),
    record_blueprint("defect_types", "defect-types", entities.DEFECT_TYPES, "The defect library."),
    record_blueprint("measurement_specs", "measurement-specs", entities.MEASUREMENT_SPECS,
                     "Points of measure per size and tech-pack version."),
    record_blueprint("checklist_templates", "checklist-templates", entities.CHECKLIST_TEMPLATES,
                     "Checklist items per product category and inspection type."),
    record_blueprint("aql_defaults", "aql-defaults", entities.AQL_DEFAULTS,
                     "Inspection level and AQL per severity class proposed for new inspections."),
]
