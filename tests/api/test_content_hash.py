"""The content hash: set at finalize, recomputed by /verify, over a canonical form built by hand here."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import rfc8785
import world

PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}
FINISHED = "2026-04-02T08:30:15.123456+00:00"


def _expected_document():
    """world.py's inspection A as finalized below, written out field by field."""
    s = str
    return {
        "format": "seamline-inspection/1",
        "inspection": {
            "id": s(world.INSPECTION_A), "inspection_type": "final", "factory_id": s(world.FACTORY_A),
            "production_order_id": s(world.PROD_ORDER_A), "tech_pack_version_id": s(world.TECH_PACK),
            "inspector_id": s(world.user_id("inspector_a")), "reinspection_of_id": None, "status": "finalized",
            "lot_size": 1000, "inspection_level": "II", "count_basis": "nonconformities", "aql_critical": "0",
            "aql_major": "2.5", "aql_minor": "4.0", "switching_critical": "normal", "switching_major": "normal",
            "switching_minor": "normal", "verdict": "pass", "verdict_critical": "pass", "verdict_major": "pass",
            "verdict_minor": "pass", "disposition": "release",
            "finished_at": "2026-04-02T08:30:15.123Z",  # milliseconds, UTC, Z: what a phone's clock gives
            "notes": None, "ordered_quantity": None, "packed_quantity": None, "carton_count": None,
            "cartons_opened": None,
        },
        "defects": [{"id": s(world.DEFECT_A), "defect_type_id": s(world.DEFECT_TYPE), "severity": "major",
                     "location": None, "note": "left sleeve", "sample_unit": None}],
        "measurements": [{"id": s(world.MEASUREMENT_A), "measurement_spec_id": s(world.SPEC), "sample_unit": 1,
                          "measured_value": 52.5}],
        "checklist": [{"id": s(world.CHECKLIST_RESULT_A), "item_code": "FI-001", "result": "pass", "note": None}],
        "photos": [{"id": s(world.PHOTO_A), "sha256": "cd" * 32, "kind": "inspection", "defect_id": None,
                    "caption": "carton marks"}],
    }


def _finalize(client):
    response = client.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize",
                           json={"verdict": PASS, "disposition": "release", "finished_at": FINISHED})
    assert response.status_code == 200, response.get_json()


def test_finalize_stores_the_hash_of_the_canonical_form(login_as):
    inspector = login_as("inspector_a")
    before = inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}/verify").get_json()
    assert before["stored_hash"] is None and before["matches"] is None
    _finalize(inspector)
    canonical = rfc8785.dumps(_expected_document())
    assert b'"measured_value":52.5' in canonical and b'"finished_at":"2026-04-02T08:30:15.123Z"' in canonical
    expected = hashlib.sha256(canonical).hexdigest()
    for persona in ("inspector_a", "manager", "factory_a"):
        answer = login_as(persona).get(f"/api/v1/inspections/{world.INSPECTION_A}/verify").get_json()
        assert answer == {"inspection_id": str(world.INSPECTION_A), "status": "finalized",
                          "format": "seamline-inspection/1", "stored_hash": expected, "computed_hash": expected,
                          "matches": True}
    assert login_as("inspector_b").get(f"/api/v1/inspections/{world.INSPECTION_A}/verify").status_code == 404


def test_a_change_after_finalize_shows(app, login_as):
    inspector = login_as("inspector_a")
    _finalize(inspector)
    with app.app_context():
        from server.extensions import db
        from server.models import InspectionDefect
        from server.services import changes

        # A write that went around the rules (the API refuses it on a finalized inspection).
        with changes.recording(None, "cli"):
            db.session.get(InspectionDefect, world.DEFECT_A).note = "right sleeve"
    answer = inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}/verify").get_json()
    assert answer["matches"] is False and answer["stored_hash"] != answer["computed_hash"]


def test_the_phone_hashes_the_same_fields_with_the_same_defaults():
    """pwa/js/content-hash.js must list the same fields and the models' defaults, or the two hashes part."""
    from server.models import Inspection, MeasurementResult, Photo
    from server.services import content_hash as py

    source = (Path(__file__).resolve().parents[2] / "pwa" / "js" / "content-hash.js").read_text()

    def js_list(name):
        block = re.search(rf"const {name} = \[(.*?)\];", source, re.S).group(1)
        return tuple(re.findall(r"'(\w+)'", block))

    for name in ("INSPECTION_FIELDS", "DEFECT_FIELDS", "MEASUREMENT_FIELDS", "CHECKLIST_FIELDS", "PHOTO_FIELDS"):
        assert js_list(name) == getattr(py, name), name
    assert "seamline-inspection/1" in source and py.FORMAT == "seamline-inspection/1"
    defaults = dict(re.findall(r"(\w+): '([^']*)'", re.search(r"inspection: \{(.*?)\}", source, re.S).group(1)))
    for column, value in defaults.items():
        assert Inspection.__table__.c[column].default.arg == value, column
    assert MeasurementResult.__table__.c["sample_unit"].default.arg == 1 and "sample_unit: 1" in source
    assert Photo.__table__.c["kind"].default.arg == "defect" and "kind: 'defect'" in source
