"""The design-review queue reads a rollup of defect groups (server.models.DefectGroup) kept at finalize.

After finalizes (with defects edited and deleted before them), a refused second finalize, reviews written,
changed and deleted, and edits of the style and defect type the groups copy from, the rollup equals a rebuild
from the records, and the queue answers what this test computes itself from the raw tables: filter by
filter, page by page.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import world

PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}
RANK = {"critical": 0, "major": 1, "minor": 2}
SECOND_TYPE = world._id("rollup-defect-type-2")
SECOND_STYLE = world._id("rollup-style-2")


def _created(response) -> str:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _defect(client, inspection_id, severity, defect_type=world.DEFECT_TYPE) -> str:
    return _created(client.post("/api/v1/inspection-defects", json={
        "inspection_id": str(inspection_id), "defect_type_id": str(defect_type), "severity": severity}))


def _finalize(client, inspection_id) -> None:
    """Finalize with the server's verdict (a critical defect fails the lot)."""
    url = f"/api/v1/inspections/{inspection_id}/finalize"
    response = client.post(url, json={"verdict": PASS})
    if response.status_code == 409 and response.get_json()["error"]["code"] == "verdict_mismatch":
        response = client.post(url, json={"verdict": response.get_json()["error"]["fields"]["server_verdict"]})
    assert response.status_code == 200, response.get_json()


def _inspection(client, **fields) -> str:
    return _created(client.post("/api/v1/inspections", json={
        "inspection_type": "final", "factory_id": str(world.FACTORY_A), "lot_size": 1000, "status": "in_progress",
        **fields}))


def _rollup_rows() -> set[tuple]:
    from server.extensions import db
    from server.models import DefectGroup

    columns = [c.name for c in DefectGroup.__table__.columns]
    return {tuple(getattr(row, c) for c in columns) for row in db.session.query(DefectGroup).all()}


def _groups_from_records() -> list[dict]:
    """Every group of the queue, straight from the records: each live defect of a finalized, live inspection,
    once per style the inspection covered (its items' and its tech pack's), with the group's live review."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import (
        DefectReview,
        DefectType,
        Inspection,
        InspectionDefect,
        InspectionItem,
        Style,
        TechPackVersion,
    )

    def every(model):
        return list(db.session.scalars(select(model)))

    inspections = {i.id: i for i in every(Inspection) if i.status == "finalized" and i.deleted_at is None}
    packs = {p.id: p for p in every(TechPackVersion)}
    covered = defaultdict(set)
    for item in every(InspectionItem):
        if item.deleted_at is None and item.inspection_id in inspections:
            covered[item.inspection_id].add(item.style_id)
    for inspection in inspections.values():
        if inspection.tech_pack_version_id is not None:
            covered[inspection.id].add(packs[inspection.tech_pack_version_id].style_id)
    counts = Counter()
    for defect in every(InspectionDefect):
        if defect.deleted_at is None and defect.inspection_id in inspections:
            for style_id in covered[defect.inspection_id]:
                counts[(defect.inspection_id, style_id, defect.defect_type_id, defect.severity)] += 1
    reviews = {(r.inspection_id, r.style_id, r.defect_type_id, r.severity): r
               for r in every(DefectReview) if r.deleted_at is None}
    styles, types = {s.id: s for s in every(Style)}, {t.id: t for t in every(DefectType)}
    groups = []
    for (inspection_id, style_id, defect_type_id, severity), n in counts.items():
        inspection, style, defect_type = inspections[inspection_id], styles[style_id], types[defect_type_id]
        review = reviews.get((inspection_id, style_id, defect_type_id, severity))
        groups.append({
            "inspection_id": inspection_id, "factory_id": inspection.factory_id,
            "finished_at": inspection.finished_at, "style_id": style_id, "style_number": style.style_number,
            "season": style.season, "category": style.category, "defect_type_id": defect_type_id,
            "defect_code": defect_type.code, "defect_category": defect_type.category, "severity": severity,
            "count": n, "review_id": review.id if review else None, "review_status": review.status if review else None})
    return groups


def _matches(group: dict, query: dict, with_status: bool = True) -> bool:
    status = query.get("review_status")
    day = group["finished_at"].date().isoformat()
    return all((
        all(str(group[name]) == query[name] for name in (
            "style_id", "season", "category", "factory_id", "defect_type_id", "defect_category", "severity")
            if name in query),
        "date_from" not in query or day >= query["date_from"],
        "date_to" not in query or day <= query["date_to"],
        not with_status or not status or (group["review_id"] is None if status == "unreviewed"
                                          else group["review_status"] == status),
    ))


def _expected(groups: list[dict], query: dict) -> dict:
    """The queue's answer over every page, computed from the groups: its total, unreviewed counts and rows."""
    rows = sorted((g for g in groups if _matches(g, query)), key=lambda g: (
        g["style_number"], g["style_id"], RANK[g["severity"]], -g["finished_at"].timestamp(), g["defect_code"],
        g["inspection_id"]))
    unreviewed = defaultdict(Counter)
    numbers = {}
    for g in groups:
        if _matches(g, query, with_status=False) and g["review_id"] is None and g["severity"] in ("critical", "major"):
            unreviewed[g["style_id"]][g["severity"]] += g["count"]
            numbers[g["style_id"]] = g["style_number"]
    by_style = sorted(unreviewed.items(), key=lambda s: (-s[1]["critical"], -s[1]["major"], numbers[s[0]]))
    return {
        "total": len(rows),
        "unreviewed": (sum(c["critical"] for c in unreviewed.values()), sum(c["major"] for c in unreviewed.values())),
        "unreviewed_by_style": [(str(style_id), c["critical"], c["major"]) for style_id, c in by_style],
        "rows": [(str(g["style_id"]), g["style_number"], str(g["inspection_id"]), str(g["defect_type_id"]),
                  g["defect_code"], g["severity"], g["count"], str(g["review_id"]) if g["review_id"] else None,
                  g["review_status"], (unreviewed[g["style_id"]]["critical"], unreviewed[g["style_id"]]["major"]))
                 for g in rows],
    }


def _answered(client, query: dict, page_size: int = 2) -> dict:
    """The queue's answer over every page, as _expected puts it."""
    from urllib.parse import urlencode

    pages, page = [], 1
    while True:
        response = client.get(f"/api/v1/design-review/queue?{urlencode({**query, 'page': page, 'page_size': page_size})}")
        assert response.status_code == 200, response.get_json()
        pages.append(response.get_json())
        if page * page_size >= pages[-1]["total"]:
            break
        page += 1
    first = pages[0]
    assert all((p["total"], p["unreviewed"], p["unreviewed_by_style"]) ==
               (first["total"], first["unreviewed"], first["unreviewed_by_style"]) for p in pages)
    return {
        "total": first["total"],
        "unreviewed": (first["unreviewed"]["critical"], first["unreviewed"]["major"]),
        "unreviewed_by_style": [(s["style_id"], s["critical"], s["major"]) for s in first["unreviewed_by_style"]],
        "rows": [(s["style_id"], s["style_number"], r["inspection_id"], r["defect_type_id"], r["defect_code"],
                  r["severity"], r["count"], r["review"]["id"] if r["review"] else None,
                  r["review"]["status"] if r["review"] else None,
                  (s["unreviewed"]["critical"], s["unreviewed"]["major"]))
                 for p in pages for s in p["styles"] for r in s["rows"]],
    }


def _check(app, client, queries: list[dict]) -> None:
    """The rollup equals its rebuild, and each query's queue equals the one computed from the records."""
    with app.app_context():
        from server.extensions import db
        from server.services import rollups

        groups = _groups_from_records()
        kept = _rollup_rows()
        rollups.rebuild()
        db.session.flush()
        assert _rollup_rows() == kept
        db.session.rollback()
    assert groups, "the scenario has groups to compare"
    for query in queries:
        assert _answered(client, query) == _expected(groups, query), query


def test_the_rollup_and_the_queue_follow_finalizes_reviews_and_edits(app, login_as):
    admin, designer = login_as("admin"), login_as("designer")
    inspector_a, inspector_b = login_as("inspector_a"), login_as("inspector_b")
    assert admin.post("/api/v1/defect-types", json={
        "id": str(SECOND_TYPE), "code": "FAB-101", "name": "Shading", "category": "fabric",
        "default_severity": "major"}).status_code == 201
    assert admin.post("/api/v1/styles", json={
        "id": str(SECOND_STYLE), "style_number": "ST-2", "name": "Woven shirt", "season": "SS26",
        "category": "tops_woven"}).status_code == 201

    # Inspection A (style ST-1 by its item and its tech pack): a defect edited and one deleted before finalize.
    kept = _defect(inspector_a, world.INSPECTION_A, "minor")
    _defect(inspector_a, world.INSPECTION_A, "minor")
    _defect(inspector_a, world.INSPECTION_A, "major", SECOND_TYPE)
    dropped = _defect(inspector_a, world.INSPECTION_A, "minor", SECOND_TYPE)
    assert inspector_a.patch(f"/api/v1/inspection-defects/{kept}", json={"note": "hem"}).status_code == 200
    assert inspector_a.delete(f"/api/v1/inspection-defects/{dropped}").status_code == 204
    _finalize(inspector_a, world.INSPECTION_A)
    # A second inspection covering two styles (ST-1 by the tech pack, ST-2 by its item), failed by a critical.
    both = _inspection(inspector_a, tech_pack_version_id=str(world.TECH_PACK))
    _created(inspector_a.post("/api/v1/inspection-items", json={
        "inspection_id": both, "style_id": str(SECOND_STYLE), "quantity": 500}))
    for severity, defect_type in (("critical", SECOND_TYPE), ("major", world.DEFECT_TYPE),
                                  ("major", world.DEFECT_TYPE), ("minor", SECOND_TYPE)):
        _defect(inspector_a, both, severity, defect_type)
    _finalize(inspector_a, both)
    # A re-inspection of A; factory B's inspection, which covers no style (no groups).
    again = _inspection(inspector_a, reinspection_of_id=str(world.INSPECTION_A))
    _created(inspector_a.post("/api/v1/inspection-items", json={
        "inspection_id": again, "style_id": str(world.STYLE), "quantity": 1000}))
    _defect(inspector_a, again, "major")
    # Finalized by a phone's sync push: the same finalize, the same rollups.
    pushed = inspector_a.post("/api/v1/sync/push", json={
        "client_id": "rollup-device-0123456789", "protocol_version": 1, "schema_version": 1,
        "mutations": [{"id": 1, "entity": "inspection", "op": "finalize", "record_id": again,
                       "fields": {"verdict": PASS}}]}).get_json()
    assert pushed["results"][0]["status"] == "applied", pushed
    _finalize(inspector_b, world.INSPECTION_B)
    queries = [{}, {"review_status": "unreviewed"}, {"review_status": "acknowledged"}, {"severity": "major"},
               {"style_id": str(SECOND_STYLE)}, {"category": "tops_woven"}, {"defect_category": "fabric"},
               {"factory_id": str(world.FACTORY_A)}, {"defect_type_id": str(SECOND_TYPE)}, {"season": "SS26"}]
    _check(app, designer, queries)

    # Finalizing again is refused and leaves the groups as they were.
    with app.app_context():
        before = _rollup_rows()
    refused = inspector_a.post(f"/api/v1/inspections/{both}/finalize", json={"verdict": PASS})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "inspection_finalized"
    with app.app_context():
        assert _rollup_rows() == before

    # Reviews written, their status changed, one deleted: the groups' review state follows.
    first = _created(designer.post("/api/v1/defect-reviews", json={
        "inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE), "severity": "minor"}))
    second = _created(designer.post("/api/v1/defect-reviews", json={
        "inspection_id": both, "style_id": str(SECOND_STYLE), "defect_type_id": str(world.DEFECT_TYPE),
        "severity": "major"}))
    third = _created(designer.post("/api/v1/defect-reviews", json={
        "inspection_id": both, "style_id": str(world.STYLE), "defect_type_id": str(SECOND_TYPE),
        "severity": "critical"}))
    assert designer.patch(f"/api/v1/defect-reviews/{second}", json={"status": "acknowledged"}).status_code == 200
    assert designer.delete(f"/api/v1/defect-reviews/{third}").status_code == 204
    assert first
    _check(app, designer, [*queries, {"review_status": "new"}])

    # The style and the defect type edited: ST-2 becomes ST-0 (first in the queue), a dress; FAB-101 a
    # measurement defect coded AAA-101 (first of its severity).
    assert admin.patch(f"/api/v1/styles/{SECOND_STYLE}", json={
        "style_number": "ST-0", "category": "dresses"}).status_code == 200
    assert admin.patch(f"/api/v1/defect-types/{SECOND_TYPE}", json={
        "code": "AAA-101", "category": "measurement"}).status_code == 200
    _check(app, designer, [*queries, {"category": "dresses"}, {"defect_category": "measurement"},
                           {"review_status": "new"}])
    rows = _answered(designer, {})["rows"]
    assert rows[0][1] == "ST-0" and rows[-1][1] == "ST-1"


def test_migration_0023_back_fills_the_groups_of_inspections_finalized_before_it(app, login_as):
    from flask_migrate import downgrade, upgrade

    admin, inspector = login_as("admin"), login_as("inspector_a")
    assert admin.post("/api/v1/styles", json={
        "id": str(SECOND_STYLE), "style_number": "ST-2", "name": "Woven shirt", "category": "tops_woven"}
    ).status_code == 201
    _defect(inspector, world.INSPECTION_A, "minor")
    inspector.delete(f"/api/v1/inspection-defects/{_defect(inspector, world.INSPECTION_A, 'critical')}")
    _finalize(inspector, world.INSPECTION_A)
    both = _inspection(inspector, tech_pack_version_id=str(world.TECH_PACK))
    _created(inspector.post("/api/v1/inspection-items", json={
        "inspection_id": both, "style_id": str(SECOND_STYLE), "quantity": 500}))
    _defect(inspector, both, "major")
    _defect(inspector, both, "major")
    _finalize(inspector, both)
    unfinished = _inspection(inspector)
    _defect(inspector, unfinished, "minor")
    with app.app_context():
        from server.extensions import db

        kept = _rollup_rows()
        # A (minor, major) for ST-1, the second inspection's majors for ST-1 and ST-2; nothing of the unfinished.
        assert sorted((str(row[1]) == str(SECOND_STYLE), row[3], row[4]) for row in kept) == [
            (False, "major", 1), (False, "major", 2), (False, "minor", 1), (True, "major", 2)]
        db.session.remove()
        downgrade(revision="0022")
        upgrade()
        assert _rollup_rows() == kept
        db.session.remove()
