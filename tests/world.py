"""A small, fixed world for API tests: two factories and one user per persona.

Built once per backend into a template database (see conftest), so each test
starts from a copy. Ids are fixed so tests can name records directly.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

PASSWORD = "correct horse battery"


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"seamline-test/{name}")


FACTORY_A = _id("factory-a")
FACTORY_B = _id("factory-b")
STYLE = _id("style")
TECH_PACK = _id("tech-pack")
SPEC = _id("spec")
DEFECT_TYPE = _id("defect-type")
CHECKLIST = _id("checklist")
AQL_DEFAULT = _id("aql-default")
PO_A = _id("po-a")
PO_LINE_A = _id("po-line-a")
PROD_ORDER_A = _id("production-order-a")
MILESTONE_A = _id("milestone-a")
INSPECTION_A = _id("inspection-a")
INSPECTION_ITEM_A = _id("inspection-item-a")
DEFECT_A = _id("defect-a")
MEASUREMENT_A = _id("measurement-a")
CHECKLIST_RESULT_A = _id("checklist-result-a")
INSPECTION_B = _id("inspection-b")
PHOTO_A = _id("photo-a")
PO_B = _id("po-b")
# An inactive webhook endpoint (the matrix needs a record; inactive so no other test's events are queued for it).
WEBHOOK = _id("webhook")
# Factory A's corrective action for INSPECTION_A; the namespace is pinned here because phones derive the same ids.
CORRECTIVE_ACTION_A = uuid.uuid5(uuid.UUID("6f1c3a52-9e0b-5d47-8a6e-2b4f7c9d1e30"), str(INSPECTION_A))
DEFECT_REVIEW_A = _id("defect-review-a")
REVIEW_COMMENT_A = _id("review-comment-a")

PERSONAS = {
    "inspector_a": ("inspector-a@example.com", "inspector", [FACTORY_A]),
    "inspector_b": ("inspector-b@example.com", "inspector", [FACTORY_B]),
    "factory_a": ("factory-a@example.com", "factory", [FACTORY_A]),
    "designer": ("designer@example.com", "designer", []),
    "manager": ("manager@example.com", "manager", []),
    "admin": ("admin@example.com", "admin", []),
}


def user_id(persona: str) -> uuid.UUID:
    return _id(f"user-{persona}")


def build_world() -> None:
    """Create the world through the change-recording path (inside an app context)."""
    from server.extensions import db
    from server.models import (
        AqlDefault,
        ChecklistResult,
        ChecklistTemplate,
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
        Style,
        TechPackVersion,
    )
    from server.services import changes
    from server.services.users import create_user

    with changes.recording(None, "seed"):
        db.session.add_all([
            Factory(id=FACTORY_A, code="FA", name="Factory A", country="VN", city="Binh Duong"),
            Factory(id=FACTORY_B, code="FB", name="Factory B", country="BD", city="Gazipur"),
            Style(id=STYLE, style_number="ST-1", name="Crew tee", season="SS26", category="tops_knit"),
            DefectType(id=DEFECT_TYPE, code="WKM-001", name="Broken stitch", category="workmanship",
                       default_severity="major"),
            ChecklistTemplate(id=CHECKLIST, product_category="tops_knit", inspection_type="final",
                              name="Final, knit tops", items=[{"code": "FI-001", "text": "Carton marks"}]),
            AqlDefault(id=AQL_DEFAULT, product_category="tops_knit", inspection_type="final"),
        ])
    for persona, (email, role, factories) in PERSONAS.items():
        create_user(None, {"id": user_id(persona), "email": email, "display_name": persona.replace("_", " ").title(),
                           "role": role, "password": PASSWORD, "factory_ids": factories}, source="seed")
    from server.models import WebhookEndpoint

    db.session.add(WebhookEndpoint(id=WEBHOOK, url="https://hooks.example.com/seamline", events=["inspection_failed"],
                                   secret="world-webhook-secret-not-used", active=False))
    db.session.commit()
    with changes.recording(None, "seed"):
        db.session.add_all([
            TechPackVersion(id=TECH_PACK, style_id=STYLE, version_label="v1", issued_on=date(2026, 1, 5)),
            PurchaseOrder(id=PO_A, po_number="PO-A-1", factory_id=FACTORY_A, order_date=date(2026, 2, 1)),
            PurchaseOrder(id=PO_B, po_number="PO-B-1", factory_id=FACTORY_B, order_date=date(2026, 2, 1)),
        ])
    with changes.recording(None, "seed"):
        db.session.add_all([
            MeasurementSpec(id=SPEC, style_id=STYLE, tech_pack_version_id=TECH_PACK, size="M", point_code="A",
                            point_name="Chest width", spec_value=Decimal("52.00"), tolerance_minus=Decimal("1.00"),
                            tolerance_plus=Decimal("1.00")),
            PurchaseOrderLine(id=PO_LINE_A, purchase_order_id=PO_A, factory_id=FACTORY_A, style_id=STYLE,
                              colourway="Navy", size_breakdown={"M": 600, "L": 400}, quantity=1000,
                              unit_price=Decimal("4.2500"), ex_factory_date=date(2026, 5, 1)),
            ProductionOrder(id=PROD_ORDER_A, number="MO-A-1", purchase_order_id=PO_A, factory_id=FACTORY_A,
                            quantity=1000),
        ])
    with changes.recording(None, "seed"):
        db.session.add_all([
            MilestoneEvent(id=MILESTONE_A, production_order_id=PROD_ORDER_A, factory_id=FACTORY_A, stage="cut",
                           quantity=1000, occurred_on=date(2026, 3, 1)),
            Inspection(id=INSPECTION_A, inspection_type="final", factory_id=FACTORY_A,
                       production_order_id=PROD_ORDER_A, tech_pack_version_id=TECH_PACK,
                       inspector_id=user_id("inspector_a"), lot_size=1000, status="in_progress"),
            Inspection(id=INSPECTION_B, inspection_type="final", factory_id=FACTORY_B,
                       inspector_id=user_id("inspector_b"), lot_size=500),
        ])
    from server.services.inspections import refresh_plan

    with changes.recording(None, "seed"):
        for inspection_id in (INSPECTION_A, INSPECTION_B):
            inspection = db.session.get(Inspection, inspection_id)
            refresh_plan(inspection, {}, is_new=True)
    with changes.recording(None, "seed"):
        db.session.add_all([
            InspectionItem(id=INSPECTION_ITEM_A, inspection_id=INSPECTION_A, factory_id=FACTORY_A, style_id=STYLE,
                           purchase_order_line_id=PO_LINE_A, quantity=1000),
            InspectionDefect(id=DEFECT_A, inspection_id=INSPECTION_A, factory_id=FACTORY_A,
                             defect_type_id=DEFECT_TYPE, severity="major", note="left sleeve"),
            MeasurementResult(id=MEASUREMENT_A, inspection_id=INSPECTION_A, factory_id=FACTORY_A,
                              measurement_spec_id=SPEC, measured_value=Decimal("52.50")),
            ChecklistResult(id=CHECKLIST_RESULT_A, inspection_id=INSPECTION_A, factory_id=FACTORY_A,
                            item_code="FI-001", result="pass"),
        ])
    with changes.recording(None, "seed"):
        # A photo record whose bytes never arrived.
        db.session.add(Photo(id=PHOTO_A, sha256="cd" * 32, factory_id=FACTORY_A, kind="inspection",
                             inspection_id=INSPECTION_A, caption="carton marks", storage_state="pending"))
    from server.models import CorrectiveAction

    with changes.recording(None, "seed"):
        db.session.add(CorrectiveAction(id=CORRECTIVE_ACTION_A, inspection_id=INSPECTION_A, factory_id=FACTORY_A,
                                        status="open", problem="Broken stitches on the left sleeve.",
                                        due_date=date(2026, 6, 1)))
    from server.models import DefectReview, ReviewComment

    with changes.recording(None, "seed"):
        # A design review and its first comment, so every endpoint has a record (the matrix). Written straight
        # to the tables: through the API a review needs a finalized inspection, and finalizing inspection A here
        # would change every test that records into it.
        db.session.add(DefectReview(id=DEFECT_REVIEW_A, inspection_id=INSPECTION_A, factory_id=FACTORY_A,
                                    style_id=STYLE, defect_type_id=DEFECT_TYPE, severity="major",
                                    root_cause="workmanship", status="acknowledged"))
        db.session.flush()
        db.session.add(ReviewComment(id=REVIEW_COMMENT_A, review_id=DEFECT_REVIEW_A, factory_id=FACTORY_A,
                                     body="Stitch density is right in the tech pack; the line needs training."))
