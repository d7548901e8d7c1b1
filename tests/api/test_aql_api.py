"""The AQL endpoints and switching proposals."""

from __future__ import annotations

import pytest
import world

from server.extensions import db


def test_plan_contract(login_as):
    client = login_as("inspector_a")
    response = client.get("/api/v1/aql/plan?lot_size=1000&level=II&aql=2.5&inspection=normal")
    assert response.status_code == 200
    assert response.get_json() == {"code_letter": "J", "plan_letter": "J", "sample_size": 80, "accept": 5,
                                   "reject": 6, "full_inspection": False, "tables": "ISO 2859-1:1999"}
    four = client.get("/api/v1/aql/plan?lot_size=1000&aql=4").get_json()
    assert four == client.get("/api/v1/aql/plan?lot_size=1000&aql=4.0&level=II&inspection=normal").get_json()


def test_plan_follows_arrows_and_full_inspection(login_as):
    client = login_as("designer")
    arrow = client.get("/api/v1/aql/plan?lot_size=1000&level=II&aql=0.065").get_json()
    assert arrow["code_letter"] == "J" and arrow["plan_letter"] != "J" and arrow["sample_size"] != 80
    small = client.get("/api/v1/aql/plan?lot_size=6&level=II&aql=0.65").get_json()
    assert small["full_inspection"] is True and small["sample_size"] == 6
    zero = client.get("/api/v1/aql/plan?lot_size=1000&level=II&aql=0").get_json()
    assert (zero["accept"], zero["reject"], zero["sample_size"]) == (0, 1, 80)


@pytest.mark.parametrize("query, field", [
    ("lot_size=0&aql=2.5", "lot_size"),
    ("lot_size=abc&aql=2.5", "lot_size"),
    ("aql=2.5", "lot_size"),
    ("lot_size=1000&aql=3", "aql"),
    ("lot_size=1000&aql=2.5&level=IV", "level"),
    ("lot_size=1000&aql=2.5&inspection=strict", "inspection"),
])
def test_bad_plan_parameter_is_a_400_naming_it(login_as, query, field):
    response = login_as("manager").get(f"/api/v1/aql/plan?{query}")
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_tables_are_complete_and_versioned(login_as):
    tables = login_as("inspector_b").get("/api/v1/aql/tables").get_json()
    assert tables["version"] and "ISO 2859-1" in tables["standard"]
    assert "table_1" in tables and tables["levels"] == ["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]


def _finalize_failed_lot(app, inspection_id):
    from server.models import Inspection
    from server.services import changes

    with changes.recording(None, "automation"):
        inspection = db.session.get(Inspection, inspection_id)
        inspection.status = "finalized"
        inspection.verdict_major = inspection.verdict = "fail"
        inspection.verdict_critical = inspection.verdict_minor = "pass"


def test_switching_history_and_proposal_for_new_inspections(app, login_as):
    manager = login_as("manager")
    start = manager.get(f"/api/v1/factories/{world.FACTORY_B}/switching").get_json()
    assert start["major"]["state"] == "normal" and start["major"]["lots"] == 0
    second = world._id("inspection-b2")
    with app.app_context():
        from server.models import Inspection
        from server.services import changes

        with changes.recording(None, "seed"):
            db.session.add(Inspection(id=second, inspection_type="final", factory_id=world.FACTORY_B, lot_size=500))
        _finalize_failed_lot(app, world.INSPECTION_B)
        _finalize_failed_lot(app, second)
    state = manager.get(f"/api/v1/factories/{world.FACTORY_B}/switching").get_json()
    assert state["major"]["state"] == "tightened" and state["critical"]["state"] == "normal"
    assert "rejected within 5 lots" in state["major"]["reason"]
    # And as a code with its parameters (the lots by label), for the app to word in its user's language.
    labels = [f"inspection {str(i)[:8]}" for i in (world.INSPECTION_B, second)]
    assert (state["major"]["reason_code"], state["major"]["reason_params"]) == (
        "tightened_after_rejections", {"lots": labels, "window": 5})
    assert state["major"]["history"][0]["reason_code"] == "tightened_after_rejections"
    listed = next(row for row in manager.get("/api/v1/analytics/switching").get_json()["rows"]
                  if row["factory_id"] == str(world.FACTORY_B))
    assert listed["classes"]["major"]["reason_params"] == {"lots": labels, "window": 5}
    assert listed["classes"]["critical"]["reason_code"] == "starting_state"
    assert state["major"]["history"][0]["to"] == "tightened"
    inspector = login_as("inspector_b")
    created = inspector.post("/api/v1/inspections", json={"inspection_type": "final",
                                                          "factory_id": str(world.FACTORY_B), "lot_size": 1000})
    body = created.get_json()
    assert (body["switching_major"], body["switching_critical"]) == ("tightened", "normal")
    assert body["plan"]["major"]["accept"] < 5  # tightened J at 2.5 accepts fewer than normal's 5
    assert login_as("inspector_a").get(f"/api/v1/factories/{world.FACTORY_B}/switching").status_code == 404


def test_tables_revalidate_with_an_etag(login_as):
    client = login_as("inspector_a").raw
    first = client.get("/api/v1/aql/tables")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/api/v1/aql/tables", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/v1/aql/tables", headers={"If-None-Match": '"another-edition"'})
    assert other.status_code == 200 and other.get_json() == first.get_json()


def test_tables_revalidate_when_gzipped_too(login_as):
    client = login_as("inspector_a").raw
    gzip_header = {"Accept-Encoding": "gzip"}
    first = client.get("/api/v1/aql/tables", headers=gzip_header)
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].startswith('W/"')
    again = client.get("/api/v1/aql/tables", headers={**gzip_header, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
