"""CSV exports: streamed, UTF-8 with BOM, formula injection neutralised, the screens' filters and scope."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import world
from fixtures import analytics_data as data
from fixtures.analytics_data import I

from server.services import exports

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def api(app, login_as):
    from server.extensions import db
    from server.models import InspectionDefect, MeasurementResult
    from server.services import changes

    with app.app_context():
        data.build()
        with changes.recording(None, "seed"):
            for n, note in enumerate(HOSTILE):
                db.session.add(InspectionDefect(id=world._id(f"export-hostile-{n}"), inspection_id=I["I1"],
                                                factory_id=world.FACTORY_A, defect_type_id=data.DT2,
                                                severity="minor", note=note, location="Ngực trái 左胸 বুক"))
            for n, value in enumerate(("52.50", "53.50", "50.90")):  # spec 52.00 -1/+1
                db.session.add(MeasurementResult(id=world._id(f"export-measure-{n}"), inspection_id=I["I1"],
                                                 factory_id=world.FACTORY_A, measurement_spec_id=world.SPEC,
                                                 sample_unit=n + 1, measured_value=Decimal(value)))
        from server.services import rollups

        rollups.rebuild()  # the defects above were written outside finalize
        db.session.commit()
    return login_as


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first, for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_neutralise():
    assert [exports.neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert exports.neutralise("Broken stitch") == "Broken stitch"
    assert exports.neutralise(-2) == -2 and exports.neutralise(Decimal("-0.50")) == Decimal("-0.50")
    assert exports.neutralise(None) == ""


def test_inspections_export(api):
    rows = _csv(api("manager").get("/api/v1/exports/inspections.csv"))
    assert [r["inspection_id"] for r in rows] == [str(I[n]) for n in ("I1", "I2", "I3", "I4", "I7")]
    i2 = rows[1]
    assert (i2["verdict"], i2["major"], i2["units_inspected"], i2["reinspection_of"]) == ("fail", "4", "80", "")
    assert i2["reason"] == "Major: 4 defects found (AQL 2.5), rejected at 4 in a sample of 80"
    assert rows[2]["reinspection_of"] == str(I["I2"])
    # The screens' filters apply.
    march = _csv(api("manager").get("/api/v1/exports/inspections.csv?date_to=2026-03-31&factory_id=" + str(world.FACTORY_A)))
    assert [r["inspection_id"] for r in march] == [str(I["I1"]), str(I["I2"])]


def test_defects_export_neutralises_formulas_and_keeps_scripts(api):
    rows = _csv(api("designer").get("/api/v1/exports/defects.csv"))
    # 10 counted defects plus the 6 hostile ones on I1.
    assert len(rows) == 16
    notes = {r["note"] for r in rows if r["note"]}
    assert notes == {"'" + v for v in HOSTILE}
    assert {r["location"] for r in rows if r["location"]} == {"Ngực trái 左胸 বুক"}
    slub = _csv(api("designer").get(f"/api/v1/exports/defects.csv?defect_type_id={data.DT2}"))
    assert {r["defect_code"] for r in slub} == {"FAB-001"}


def test_measurements_export_marks_out_of_tolerance(api):
    rows = _csv(api("manager").get("/api/v1/exports/measurements.csv"))
    # world's measurement belongs to an inspection in progress: not exported.
    assert [(r["measured"], r["deviation"], r["out_of_tolerance"]) for r in rows] == [
        ("52.50", "0.50", "no"), ("53.50", "1.50", "yes"), ("50.90", "-1.10", "yes")]


def test_dashboard_tables(api):
    manager = api("manager")
    factories = _csv(manager.get("/api/v1/exports/pass-rates.csv?group_by=factory"))
    assert {r["factory"]: (r["inspections"], r["first_time_pass_rate"]) for r in factories} == {
        "Factory A": ("3", "0.5"), "Factory B": ("2", "0.5")}
    months = _csv(manager.get("/api/v1/exports/pass-rates.csv?group_by=period&period=quarter"))
    assert [(r["period_start"], r["inspections"]) for r in months] == [("2026-01-01", "2"), ("2026-04-01", "3")]
    pareto = _csv(manager.get("/api/v1/exports/defect-pareto.csv"))
    assert [(r["code"], r["count"]) for r in pareto] == [("FAB-001", "9"), ("WKM-001", "7")]
    rejected = _csv(manager.get("/api/v1/exports/rejected-lots.csv"))
    assert [r["inspection_id"] for r in rejected] == [str(I["I2"]), str(I["I7"])]
    switching = _csv(manager.get("/api/v1/exports/switching.csv"))
    assert {r["factory_code"] for r in switching} == {"FA", "FB"}


def test_exports_are_streamed_in_batches(api, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 4)
    response = api("manager").get("/api/v1/exports/defects.csv", buffered=False)
    assert response.is_streamed
    chunks = list(response.iter_encoded())
    # The header, then 16 defects in batches of 4: the rows never sit in one string.
    assert len(chunks) == 1 + 4
    assert chunks[0].startswith(b"\xef\xbb\xbfdefect_id,")
    response.close()


def test_scope_roles_and_bad_filters(api):
    factory_a = _csv(api("factory_a").get("/api/v1/exports/inspections.csv"))
    assert {r["factory_code"] for r in factory_a} == {"FA"}
    other = _csv(api("inspector_b").get(f"/api/v1/exports/defects.csv?factory_id={world.FACTORY_A}"))
    assert other == []
    designer = api("designer")
    assert designer.get("/api/v1/exports/inspections.csv").status_code == 403
    assert designer.get("/api/v1/exports/defect-pareto.csv").status_code == 200
    bad = api("manager").get("/api/v1/exports/inspections.csv?date_from=2026-05-01&date_to=2026-01-01")
    assert bad.status_code == 400 and "date_to" in bad.get_json()["error"]["fields"]
    unknown = api("manager").get("/api/v1/exports/defects.csv?colour=red")
    assert unknown.status_code == 400 and "colour" in unknown.get_json()["error"]["fields"]
