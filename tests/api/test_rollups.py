"""The figures' rollups: finalize keeps them in step, equal to a rebuild from the records."""

from __future__ import annotations

from collections import Counter
from datetime import UTC

import world

PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}


def _snapshot():
    """Each table's rows summed by key (two rows with one key are one figure)."""
    from server.extensions import db
    from server.models import DefectRollup, FigureRollup
    from server.services.rollups import DEFECT_COUNTS, FIGURES, KEY

    result = {}
    for model, measures, extra in ((FigureRollup, FIGURES, ()), (DefectRollup, DEFECT_COUNTS, ("defect_type_id",))):
        sums: dict = {}
        for row in db.session.query(model).all():
            key = tuple(str(getattr(row, k)) for k in (*KEY, *extra))
            sums[key] = Counter(sums.get(key, Counter())) + Counter({m: getattr(row, m) for m in measures})
        result[model.__tablename__] = {k: dict(v) for k, v in sums.items()}
    return result


def test_finalize_keeps_the_rollups_equal_to_a_rebuild(app, login_as):
    inspector_a, inspector_b, manager = login_as("inspector_a"), login_as("inspector_b"), login_as("manager")
    before = manager.get("/api/v1/analytics/pass-rates?group_by=style").get_json()
    assert before["totals"]["inspections"] == 0
    lots = {r["factory_code"]: r["classes"]["major"]["lots"]
            for r in manager.get("/api/v1/analytics/switching").get_json()["rows"]}
    assert lots == {"FA": 0, "FB": 0}
    assert inspector_a.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize",
                            json={"verdict": PASS}).status_code == 200
    # A re-inspection of A with two defects, and factory B's inspection (no styles), finalized too.
    again = inspector_a.post("/api/v1/inspections", json={
        "inspection_type": "final", "factory_id": str(world.FACTORY_A), "lot_size": 1000,
        "reinspection_of_id": str(world.INSPECTION_A), "status": "in_progress"}).get_json()
    for severity in ("minor", "minor"):
        assert inspector_a.post("/api/v1/inspection-defects", json={
            "inspection_id": again["id"], "defect_type_id": str(world.DEFECT_TYPE), "severity": severity}).status_code == 201
    assert inspector_a.post(f"/api/v1/inspections/{again['id']}/finalize", json={"verdict": PASS}).status_code == 200
    assert inspector_b.post(f"/api/v1/inspections/{world.INSPECTION_B}/finalize", json={"verdict": PASS}).status_code == 200

    # The switching replay kept per factory is redone once lots were finalized (the re-inspection is no lot).
    lots = {r["factory_code"]: r["classes"]["major"]["lots"]
            for r in manager.get("/api/v1/analytics/switching").get_json()["rows"]}
    assert lots == {"FA": 1, "FB": 1}
    figures = manager.get("/api/v1/analytics/pass-rates?group_by=factory").get_json()["totals"]
    assert (figures["inspections"], figures["original_inspections"], figures["defects"]) == (3, 2, 3)
    styles = manager.get("/api/v1/analytics/pass-rates?group_by=style").get_json()["rows"]
    assert [(r["label"], r["inspections"]) for r in styles] == [("ST-1 Crew tee", 1)]
    pareto = manager.get("/api/v1/analytics/defect-pareto").get_json()
    assert [(r["code"], r["major"], r["minor"]) for r in pareto["rows"]] == [("WKM-001", 1, 2)]

    with app.app_context():
        from server.extensions import db
        from server.services import rollups

        incremental = _snapshot()
        assert incremental["figure_rollups"] and incremental["defect_rollups"]
        rollups.rebuild()
        db.session.flush()
        assert _snapshot() == incremental
        db.session.rollback()


def test_switching_binds_no_parameter_per_lot(app, login_as):
    """A factory's lots are read by a subquery: one bound id per lot broke PostgreSQL past 65,535 lots."""
    from datetime import datetime, timedelta

    from sqlalchemy import event

    from server.extensions import db
    from server.models import Factory, Inspection
    from server.services import changes
    from server.services.switching import factory_switching

    with app.app_context():
        with changes.recording(None, "seed"):
            for n in range(40):
                db.session.add(Inspection(
                    inspection_type="final", factory_id=world.FACTORY_B, lot_size=500, status="finalized",
                    verdict="pass", verdict_critical="pass", verdict_major="pass", verdict_minor="pass",
                    finished_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)))
        bound = []

        def count(conn, cursor, statement, parameters, context, executemany):
            if "inspection_defects" in statement:
                bound.append(len(parameters) if parameters else 0)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            state = factory_switching(db.session.get(Factory, world.FACTORY_B))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert state["major"]["lots"] == 40
        assert bound and max(bound) < 10, bound
