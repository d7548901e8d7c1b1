"""Finalize: the server recomputes plan and verdict and refuses a mismatch."""

from __future__ import annotations

import world

PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}


def _add_defects(client, severity, n, sample_unit=None):
    for _ in range(n):
        body = {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                "severity": severity}
        if sample_unit is not None:
            body["sample_unit"] = sample_unit
        assert client.post("/api/v1/inspection-defects", json=body).status_code == 201


def test_plan_is_computed_and_stored_with_the_setup(login_as):
    inspector = login_as("inspector_a")
    inspection = inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()
    assert inspection["plan"]["major"] == {"code_letter": "J", "plan_letter": "J", "sample_size": 80, "accept": 5,
                                           "reject": 6, "full_inspection": False, "tables": "ISO 2859-1:1999"}
    assert inspection["plan"]["critical"]["accept"] == 0 and inspection["plan"]["critical"]["reject"] == 1
    changed = inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"lot_size": 3000}).get_json()
    assert changed["plan"]["major"]["code_letter"] == "K" and changed["plan"]["major"]["sample_size"] == 125


def test_finalize_with_matching_verdict(login_as):
    inspector = login_as("inspector_a")
    plan = inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["plan"]
    response = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize",
                              json={"verdict": PASS, "plan": plan, "disposition": "release"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["verdict"], body["verdict_major"], body["disposition"]) == (
        "finalized", "pass", "pass", "release")
    assert body["finished_at"] is not None
    again = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": PASS})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "inspection_finalized"


def test_finalize_refuses_a_mismatch_and_changes_nothing(login_as):
    inspector = login_as("inspector_a")
    _add_defects(inspector, "major", 5)  # 6 majors in all: J at 2.5 rejects at 6
    response = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": PASS})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "verdict_mismatch"
    assert error["fields"]["server_verdict"] == {"critical": "pass", "major": "fail", "minor": "pass",
                                                 "overall": "fail"}
    assert error["fields"]["counts"]["major"] == 6
    assert inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["status"] == "in_progress"
    fail = {"critical": "pass", "major": "fail", "minor": "pass", "overall": "fail"}
    done = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": fail})
    assert done.status_code == 200 and done.get_json()["verdict"] == "fail"


def test_wrong_client_plan_is_a_mismatch(login_as):
    inspector = login_as("inspector_a")
    plan = inspector.get(f"/api/v1/inspections/{world.INSPECTION_A}").get_json()["plan"]
    plan["major"] = {**plan["major"], "accept": 7, "reject": 8}
    response = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": PASS, "plan": plan})
    assert response.status_code == 409 and response.get_json()["error"]["fields"]["mismatched"] == ["plan.major"]


def test_one_critical_fails_the_lot_and_defectives_count_units(login_as):
    inspector = login_as("inspector_a")
    patched = inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"count_basis": "defectives"})
    assert patched.status_code == 200
    _add_defects(inspector, "major", 8, sample_unit=3)  # one defective unit, however many defects it has
    _add_defects(inspector, "critical", 1, sample_unit=4)
    fail = {"critical": "fail", "major": "pass", "minor": "pass", "overall": "fail"}
    response = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": fail})
    assert response.status_code == 200, response.get_json()


def test_aql_above_10_only_for_nonconformities(login_as):
    inspector = login_as("inspector_a")
    ok = inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"aql_minor": "15"})
    assert ok.status_code == 200
    refused = inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"count_basis": "defectives"})
    assert refused.status_code == 400 and "aql_minor" in refused.get_json()["error"]["fields"]


def test_the_lot_size_can_be_corrected_until_finalize_and_the_plan_follows_never_after(login_as):
    inspector = login_as("inspector_a")
    url = f"/api/v1/inspections/{world.INSPECTION_A}"
    corrected = inspector.patch(url, json={"lot_size": 3000})
    assert corrected.status_code == 200 and corrected.get_json()["plan"]["major"]["sample_size"] == 125
    typo = inspector.patch(url, json={"lot_size": 2.5})
    assert typo.status_code == 400 and "lot_size" in typo.get_json()["error"]["fields"]
    plan = inspector.get(url).get_json()["plan"]
    assert inspector.post(f"{url}/finalize", json={"verdict": PASS, "plan": plan}).status_code == 200
    late = inspector.patch(url, json={"lot_size": 500})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "inspection_finalized"
    kept = inspector.get(url).get_json()
    assert kept["lot_size"] == 3000 and kept["plan"]["major"]["sample_size"] == 125
