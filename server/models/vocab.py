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
# Incoterms 2020: who carries, insures and pays for the goods up to where. The first seven are for any mode of
# transport, the last four for sea and inland waterway only.
INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")
PRODUCTION_ORDER_STATUSES = ("planned", "in_progress", "completed", "cancelled")
# Orders still in the works: the ones offered for a new inspection or milestone.
OPEN_PRODUCTION_ORDER_STATUSES = ("planned", "in_progress")
# Bookings still to be carried out: a second one of the same type for the same order is a double booking (the
# server refuses it; the booking form marks such orders before anyone presses save).
OPEN_BOOKING_STATUSES = ("planned", "in_progress")

# "evidence": a factory's proof for a corrective action (the new needle plates, the retraining sheet).
PHOTO_KINDS = ("defect", "inspection", "milestone", "signature", "evidence")
PHOTO_STATES = ("pending", "stored", "rejected")
CHECKLIST_RESULTS = ("pass", "fail", "na")

# Corrective actions (CAPA): open -> in_progress -> awaiting_verification -> closed.
CORRECTIVE_ACTION_STATUSES = ("open", "in_progress", "awaiting_verification", "closed")
# QC: who verifies a factory's answer (and may open, edit and link an action).
CORRECTIVE_ACTION_QC_ROLES = ("inspector", "manager", "admin")
# (from, to, roles that may move it): the factory answers, QC verifies and closes or sends it back.
CORRECTIVE_ACTION_TRANSITIONS = (
    ("open", "in_progress", ("factory", *CORRECTIVE_ACTION_QC_ROLES)),
    ("open", "awaiting_verification", ("factory", *CORRECTIVE_ACTION_QC_ROLES)),
    ("in_progress", "awaiting_verification", ("factory", *CORRECTIVE_ACTION_QC_ROLES)),
    ("awaiting_verification", "closed", CORRECTIVE_ACTION_QC_ROLES),
    ("awaiting_verification", "in_progress", CORRECTIVE_ACTION_QC_ROLES),
)
# Design review of defects (issue 14): why a defect happened, and where its fix stands.
REVIEW_ROOT_CAUSES = ("design_pattern", "material", "trims", "workmanship", "packing", "measurement_spec")
REVIEW_STATUSES = ("new", "acknowledged", "action_in_tech_pack", "resolved", "wont_fix")
# What the review queue filters on: a defect group nobody reviewed yet, or its review's status.
REVIEW_QUEUE_STATUSES = ("unreviewed", *REVIEW_STATUSES)

CHANGE_SOURCES = ("api", "sync", "cli", "import", "automation", "seed")

# Events that webhooks and e-mails announce (server/services/events.py emits them).
NOTIFICATION_EVENTS = (
    "inspection_finalized",
    "inspection_failed",
    "corrective_action_opened",
    "corrective_action_overdue",
    "review_status_changed",
)
NOTIFICATION_CHANNELS = ("webhook", "email")
# pending: waiting for its next attempt; delivered: accepted (2xx / SMTP accepted); failed: gave up.
DELIVERY_STATUSES = ("pending", "delivered", "failed")


def check_in(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint limiting ``column`` to ``values``."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"
