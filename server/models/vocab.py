"""The fixed vocabularies of the domain, shared by models, schemas and tests."""

ROLES = ("inspector", "designer", "manager", "admin", "factory")

PRODUCT_CATEGORIES = (
    "tops_knit",
    "tops_woven",
    "bottoms_denim",
    "bottoms_woven",
    "dresses",
    "outerwear",
    "knitwear_sweaters",
    "activewear",
    "underwear",
    "kidswear",
)

INSPECTION_TYPES = ("pre_production", "inline", "final")
INSPECTION_STATUSES = ("planned", "in_progress", "finalized", "cancelled")
INSPECTION_LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SWITCHING_STATES = ("normal", "tightened", "reduced")
COUNT_BASES = ("nonconformities", "defectives")
VERDICTS = ("pass", "fail")
DISPOSITIONS = ("release", "rework_reinspect", "reject")

SEVERITIES = ("critical", "major", "minor")
DEFECT_CATEGORIES = (
    "fabric",
    "workmanship",
    "measurement",
    "trims_accessories",
    "packing_labelling",
    "other",
)

MILESTONE_STAGES = (
    "fabric_received",
    "trims_received",
    "cut",
    "sewing",
    "finishing",
    "inspection",
    "packed",
    "shipped",
)
DELAY_REASONS = (
    "late_fabric",
    "late_trims",
    "sample_approval_pending",
    "quality_rework",
    "capacity",
    "shipping",
    "other",
)

PURCHASE_ORDER_STATUSES = ("draft", "confirmed", "in_production", "shipped", "closed", "cancelled")
PRODUCTION_ORDER_STATUSES = ("planned", "in_progress", "completed", "cancelled")
# Orders still in the works: the ones offered for a new inspection or milestone.
OPEN_PRODUCTION_ORDER_STATUSES = ("planned", "in_progress")

PHOTO_KINDS = ("defect", "inspection", "milestone", "signature")
PHOTO_STATES = ("pending", "stored", "rejected")
CHECKLIST_RESULTS = ("pass", "fail", "na")

# Design review of defects (issue 14): why a defect happened, and where its fix stands.
REVIEW_ROOT_CAUSES = ("design_pattern", "material", "trims", "workmanship", "packing", "measurement_spec")
REVIEW_STATUSES = ("new", "acknowledged", "action_in_tech_pack", "resolved", "wont_fix")
# What the review queue filters on: a defect group nobody reviewed yet, or its review's status.
REVIEW_QUEUE_STATUSES = ("unreviewed", *REVIEW_STATUSES)

CHANGE_SOURCES = ("api", "sync", "cli", "import", "automation", "seed")


def check_in(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint limiting ``column`` to ``values``."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"
