"""The reference data the workload needs on a Seamline server, and the app that serves it.

One factory, production order and inspector per target (a target is one system in one repeat: the app
or the Python client), sharing one style, tech pack and defect library. Ids are uuid5 of fixed names, so the
benchmark process knows them without asking the server subprocess.
"""

from __future__ import annotations

import uuid
from datetime import date

from .workload import Target

PASSWORD = "peer benchmark password"
DEFECT_CODES = (("WKM-001", "Broken stitch", "workmanship", "major"), ("WKM-002", "Open seam", "workmanship", "major"),
                ("FAB-001", "Stain", "fabric", "minor"), ("FAB-002", "Shade difference", "fabric", "major"),
                ("ACC-001", "Missing button", "trims_accessories", "critical"))


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"seamline-peer-bench/world/{name}"))


STYLE, TECH_PACK, AQL_DEFAULT = _id("style"), _id("tech-pack"), _id("aql-default")
DEFECT_TYPES = tuple(_id(f"defect-type/{code}") for code, *_ in DEFECT_CODES)


def target(name: str) -> Target:
    return Target(name=name, factory_id=_id(f"{name}/factory"), production_order_id=_id(f"{name}/production-order"),
                  inspector_id=_id(f"{name}/inspector"), defect_type_ids=DEFECT_TYPES)


def email(target: Target) -> str:
    return f"{target.name}@peer-bench.example"


def build_app(database_url: str, target_names: list[str]):
    """A migrated Seamline app on ``database_url`` with the reference data of every target."""
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        seed(target_names)
        db.session.remove()
    return app


def seed(target_names: list[str]) -> None:
    """Create the reference data through the change-recording path, as the tests' world does."""
    from server.extensions import db
    from server.models import AqlDefault, DefectType, Factory, ProductionOrder, PurchaseOrder, Style, TechPackVersion
    from server.services import changes
    from server.services.users import create_user

    targets = [target(name) for name in target_names]
    with changes.recording(None, "seed"):
        db.session.add_all([
            Style(id=uuid.UUID(STYLE), style_number="PB-1", name="Crew tee", season="SS26", category="tops_knit"),
            AqlDefault(id=uuid.UUID(AQL_DEFAULT), product_category="tops_knit", inspection_type="final"),
            *[DefectType(id=uuid.UUID(type_id), code=code, name=name, category=category, default_severity=severity)
              for type_id, (code, name, category, severity) in zip(DEFECT_TYPES, DEFECT_CODES, strict=False)],
            *[Factory(id=uuid.UUID(t.factory_id), code=f"PB-{n}", name=f"Bench factory {t.name}", country="VN")
              for n, t in enumerate(targets)],
        ])
    with changes.recording(None, "seed"):
        db.session.add(TechPackVersion(id=uuid.UUID(TECH_PACK), style_id=uuid.UUID(STYLE), version_label="v1",
                                       issued_on=date(2026, 1, 5)))
        db.session.add_all([PurchaseOrder(id=uuid.UUID(_id(f"{t.name}/po")), po_number=f"PB-PO-{n}",
                                          factory_id=uuid.UUID(t.factory_id), order_date=date(2026, 2, 1))
                            for n, t in enumerate(targets)])
    with changes.recording(None, "seed"):
        db.session.add_all([ProductionOrder(id=uuid.UUID(t.production_order_id), number=f"PB-MO-{n}",
                                            purchase_order_id=uuid.UUID(_id(f"{t.name}/po")),
                                            factory_id=uuid.UUID(t.factory_id), quantity=100_000)
                            for n, t in enumerate(targets)])
    for t in targets:
        create_user(None, {"id": uuid.UUID(t.inspector_id), "email": email(t), "display_name": f"Bench {t.name}",
                           "role": "inspector", "password": PASSWORD, "factory_ids": [uuid.UUID(t.factory_id)]},
                    source="seed")
