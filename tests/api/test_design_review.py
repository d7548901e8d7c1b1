"""Design review (issue 14): reviews of a finalized inspection's defects and their comment threads, who may
write and read them, how they sync, the designer's review queue and a style's history per tech-pack version."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
import world
from PIL import Image

PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}
SECOND_DEFECT_TYPE = world._id("review-defect-type-2")
SYNC_CLIENT = "device-review-00000001"


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]


def _defect(client, inspection_id, severity, defect_type=world.DEFECT_TYPE, **fields):
    body = {"inspection_id": str(inspection_id), "defect_type_id": str(defect_type), "severity": severity, **fields}
    response = client.post("/api/v1/inspection-defects", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _finalize(client, inspection_id):
    response = client.post(f"/api/v1/inspections/{inspection_id}/finalize", json={"verdict": PASS})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _units(inspection: dict) -> int:
    return max(inspection["plan"][cls]["sample_size"] for cls in ("critical", "major", "minor"))


def _photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((320, 240), 50).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def finalized(login_as):
    """Inspection A finalized with its world major WKM-001 (already reviewed in the world), two minors of it
    (one with a stored photo) and a major of a second type."""
    admin = login_as("admin")
    assert admin.post("/api/v1/defect-types", json={
        "id": str(SECOND_DEFECT_TYPE), "code": "FAB-009", "name": "Shading", "category": "fabric",
        "default_severity": "major"}).status_code == 201
    inspector = login_as("inspector_a")
    minor = _defect(inspector, world.INSPECTION_A, "minor", location="hem")
    _defect(inspector, world.INSPECTION_A, "minor", note="loose thread")
    _defect(inspector, world.INSPECTION_A, "major", defect_type=SECOND_DEFECT_TYPE)
    data = _photo_bytes()
    sha = hashlib.sha256(data).hexdigest()
    assert inspector.post("/api/v1/photo-records", json={"sha256": sha, "kind": "defect",
                                                         "defect_id": minor}).status_code == 201
    uploaded = inspector.patch(f"/api/v1/photos/{sha}", data=data, headers={
        "Upload-Offset": "0", "Upload-Length": str(len(data)), "Content-Type": "application/offset+octet-stream"})
    assert uploaded.status_code == 204, uploaded.get_json()
    inspection = _finalize(inspector, world.INSPECTION_A)
    return {"inspection": inspection, "photo": sha, "minor_defect": minor}


def _review(client, severity="minor", defect_type=world.DEFECT_TYPE, **fields):
    return client.post("/api/v1/defect-reviews", json={
        "inspection_id": str(world.INSPECTION_A), "defect_type_id": str(defect_type), "severity": severity,
        **fields})


# --- the review's rules ----------------------------------------------------------------------------


def test_a_review_of_an_unfinalized_inspection_is_refused_and_nothing_is_written(login_as):
    designer = login_as("designer")
    before = designer.get("/api/v1/defect-reviews").get_json()
    error = _error(_review(designer, severity="major"), 409)
    assert error["code"] == "inspection_not_finalized" and "inspection_id" in error["fields"]
    assert designer.get("/api/v1/defect-reviews").get_json() == before


def test_the_designer_reviews_a_group_and_the_style_and_factory_are_derived(login_as, finalized):
    designer = login_as("designer")
    response = _review(designer, root_cause="workmanship")
    assert response.status_code == 201, response.get_json()
    review = response.get_json()
    assert review["style_id"] == str(world.STYLE) and review["factory_id"] == str(world.FACTORY_A)
    assert (review["status"], review["root_cause"], review["created_by_id"]) == (
        "new", "workmanship", str(world.user_id("designer")))
    # The same group twice is refused: the world's review already names the major broken stitches.
    assert _error(_review(designer, severity="major"), 409)["code"] == "review_exists"
    assert _error(_review(designer), 409)["code"] == "review_exists"


@pytest.mark.parametrize("persona, status", [("manager", 201), ("admin", 201), ("inspector_a", 403),
                                             ("factory_a", 403)])
def test_who_writes_reviews(login_as, finalized, persona, status):
    assert _review(login_as(persona)).status_code == status


def test_who_reads_reviews(login_as, finalized):
    review = _review(login_as("designer")).get_json()
    for persona in ("inspector_a", "factory_a", "designer", "manager"):
        assert login_as(persona).get(f"/api/v1/defect-reviews/{review['id']}").status_code == 200, persona
    assert _error(login_as("inspector_b").get(f"/api/v1/defect-reviews/{review['id']}"), 404)["code"] == "not_found"
    assert login_as("inspector_b").get("/api/v1/defect-reviews").get_json() == []
    listed = login_as("factory_a").get(f"/api/v1/defect-reviews?inspection_id={world.INSPECTION_A}").get_json()
    assert {r["id"] for r in listed} == {review["id"], str(world.DEFECT_REVIEW_A)}


def test_a_review_names_defects_that_were_found_and_a_style_of_the_inspection(login_as, finalized):
    designer = login_as("designer")
    error = _error(_review(designer, severity="critical"), 400)
    assert error["code"] == "validation_error" and "defect_type_id" in error["fields"]
    other_style = designer_style(login_as)
    assert "style_id" in _error(_review(designer, style_id=other_style["style"]), 400)["fields"]
    assert "severity" in _error(_review(designer, severity="fatal"), 400)["fields"]
    assert "root_cause" in _error(_review(designer, root_cause="weather"), 400)["fields"]
    assert "status" in _error(_review(designer, status="done"), 400)["fields"]
    assert "inspection_id" in _error(designer.post("/api/v1/defect-reviews", json={
        "inspection_id": str(uuid.uuid4()), "defect_type_id": str(world.DEFECT_TYPE), "severity": "minor"}),
        400)["fields"]


def designer_style(login_as) -> dict:
    """Another style, with a tech pack of its own."""
    admin = login_as("admin")
    style = admin.post("/api/v1/styles", json={"style_number": "ST-9", "name": "Hoodie", "season": "FW26",
                                               "category": "tops_knit"}).get_json()
    pack = admin.post("/api/v1/tech-pack-versions", json={"style_id": style["id"], "version_label": "v1",
                                                          "issued_on": "2026-02-01"}).get_json()
    return {"style": style["id"], "pack": pack["id"]}


def test_the_fix_is_a_tech_pack_version_of_the_same_style(login_as, finalized):
    designer = login_as("designer")
    other = designer_style(login_as)
    error = _error(_review(designer, fix_tech_pack_version_id=other["pack"]), 400)
    assert list(error["fields"]) == ["fix_tech_pack_version_id"]
    review = _review(designer).get_json()
    url = f"/api/v1/defect-reviews/{review['id']}"
    assert "fix_tech_pack_version_id" in _error(designer.patch(url, json={"fix_tech_pack_version_id": other["pack"]}),
                                                400)["fields"]
    # Action in the tech pack: say why, and name the version that carries the fix.
    error = _error(designer.patch(url, json={"status": "action_in_tech_pack"}), 400)
    assert sorted(error["fields"]) == ["fix_tech_pack_version_id", "root_cause"]
    error = _error(designer.patch(url, json={"status": "action_in_tech_pack", "root_cause": "design_pattern"}), 400)
    assert list(error["fields"]) == ["fix_tech_pack_version_id"]
    error = _error(designer.patch(url, json={"status": "action_in_tech_pack",
                                             "fix_tech_pack_version_id": str(world.TECH_PACK)}), 400)
    assert list(error["fields"]) == ["root_cause"]
    done = designer.patch(url, json={"status": "action_in_tech_pack", "root_cause": "design_pattern",
                                     "fix_tech_pack_version_id": str(world.TECH_PACK)})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["fix_tech_pack_version_id"]) == (
        "action_in_tech_pack", str(world.TECH_PACK))
    assert designer.get(url).get_json()["status"] == "action_in_tech_pack"  # nothing half-written before
    assert _error(designer.patch(url, json={"severity": "major"}), 400)["code"] == "immutable_field"
    assert designer.patch(url, json={"status": "resolved"}).status_code == 200


def test_review_vocabularies_are_served(login_as):
    vocabulary = login_as("inspector_a").get("/api/v1/vocabulary").get_json()
    assert vocabulary["vocabulary"]["review_statuses"] == ["new", "acknowledged", "action_in_tech_pack", "resolved",
                                                           "wont_fix"]
    assert vocabulary["vocabulary"]["review_root_causes"] == ["design_pattern", "material", "trims", "workmanship",
                                                              "packing", "measurement_spec"]
    assert vocabulary["permissions"]["designer"]["defect_review"] == ["read", "create", "update", "delete"]
    assert vocabulary["permissions"]["inspector"]["review_comment"] == ["read"]


# --- comments ----------------------------------------------------------------------------------------


def test_comments_are_an_append_only_thread_of_the_review(login_as, finalized):
    designer = login_as("designer")
    review = _review(designer).get_json()
    first = designer.post("/api/v1/review-comments", json={"review_id": review["id"], "body": "Hem allowance?"})
    assert first.status_code == 201 and first.get_json()["factory_id"] == str(world.FACTORY_A)
    assert login_as("manager").post("/api/v1/review-comments", json={"review_id": review["id"],
                                                                      "body": "Checked: 1 cm."}).status_code == 201
    thread = login_as("inspector_a").get(f"/api/v1/review-comments?review_id={review['id']}").get_json()
    assert [c["body"] for c in thread] == ["Hem allowance?", "Checked: 1 cm."]
    assert login_as("inspector_b").get(f"/api/v1/review-comments?review_id={review['id']}").get_json() == []
    comment_url = f"/api/v1/review-comments/{first.get_json()['id']}"
    assert designer.patch(comment_url, json={"body": "edited"}).status_code == 405
    assert designer.delete(comment_url).status_code == 405
    assert login_as("inspector_a").post("/api/v1/review-comments", json={
        "review_id": review["id"], "body": "x"}).status_code == 403
    assert "body" in _error(designer.post("/api/v1/review-comments", json={"review_id": review["id"], "body": ""}),
                            400)["fields"]
    assert "review_id" in _error(designer.post("/api/v1/review-comments", json={
        "review_id": str(uuid.uuid4()), "body": "lost"}), 400)["fields"]


# --- sync ----------------------------------------------------------------------------------------------


def _pulled(client, entity, client_id):
    changes, cursor = [], None
    while True:
        query = f"client_id={client_id}" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"/api/v1/sync/pull?{query}").get_json()
        changes += answer["changes"]
        cursor = answer["cursor"]
        if not answer["has_more"]:
            return {c["id"]: c for c in changes if c["entity"] == entity}


def test_a_review_reaches_the_pull_of_its_factory_only(login_as, finalized):
    designer = login_as("designer")
    review = _review(designer, root_cause="material").get_json()
    comment = designer.post("/api/v1/review-comments", json={"review_id": review["id"], "body": "New lining"})
    reviews = _pulled(login_as("inspector_a"), "defect_review", "device-review-inspector-a")
    assert reviews[review["id"]]["fields"]["root_cause"] == "material"
    assert comment.get_json()["id"] in _pulled(login_as("factory_a"), "review_comment", "device-review-factory-a")
    inspector_b = login_as("inspector_b")
    assert _pulled(inspector_b, "defect_review", "device-review-inspector-b") == {}
    assert _pulled(inspector_b, "review_comment", "device-review-inspector-b") == {}


def test_two_reviews_of_the_same_defects_in_one_push_keep_the_first(login_as, finalized):
    def upsert(mutation_id):
        return {"id": mutation_id, "entity": "defect_review", "op": "upsert", "record_id": str(uuid.uuid4()),
                "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                           "severity": "minor", "status": "acknowledged"}}

    body = {"client_id": "device-review-designer", "protocol_version": 1, "schema_version": 1,
            "mutations": [upsert(1), upsert(2)]}
    answer = login_as("designer").post("/api/v1/sync/push", json=body).get_json()
    assert [(r["status"], r.get("code")) for r in answer["results"]] == [("applied", None),
                                                                        ("rejected", "review_exists")]


def test_a_phone_may_not_push_a_review(login_as, finalized):
    body = {"client_id": SYNC_CLIENT, "protocol_version": 1, "schema_version": 1, "mutations": [{
        "id": 1, "entity": "defect_review", "op": "upsert", "record_id": str(uuid.uuid4()),
        "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                   "severity": "minor"}}]}
    answer = login_as("inspector_a").post("/api/v1/sync/push", json=body).get_json()
    assert (answer["results"][0]["status"], answer["results"][0]["code"]) == ("rejected", "forbidden")


# --- the review queue ----------------------------------------------------------------------------------


def test_the_queue_groups_defects_by_style_with_unreviewed_counts_and_photos(login_as, finalized):
    designer = login_as("designer")
    queue = designer.get("/api/v1/design-review/queue").get_json()
    assert queue["total"] == 3  # major WKM-001 (reviewed in the world), minor WKM-001, major FAB-009
    assert queue["unreviewed"] == {"critical": 0, "major": 1}
    assert [s["style_number"] for s in queue["unreviewed_by_style"]] == ["ST-1"]
    (style,) = queue["styles"]
    assert style["style_id"] == str(world.STYLE) and style["unreviewed"] == {"critical": 0, "major": 1}
    rows = {(r["defect_code"], r["severity"]): r for r in style["rows"]}
    assert [(r["defect_code"], r["severity"]) for r in style["rows"]] == [
        ("FAB-009", "major"), ("WKM-001", "major"), ("WKM-001", "minor")]  # worst first, then by type
    assert rows[("WKM-001", "major")]["review"]["id"] == str(world.DEFECT_REVIEW_A)
    assert rows[("WKM-001", "major")]["review"]["comments"] == 1
    minor = rows[("WKM-001", "minor")]
    assert minor["count"] == 2 and minor["review"] is None
    assert [p["sha256"] for p in minor["photos"]] == [finalized["photo"]]
    assert {d["location"] for d in minor["defects"]} == {"hem", None}
    assert minor["factory_name"] == "Factory A" and minor["inspection_id"] == str(world.INSPECTION_A)
    thumb = designer.get(f"/api/v1/photos/{finalized['photo']}?size=thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_queue_filters(login_as, finalized):
    designer = login_as("designer")
    _review(designer).get_json()

    def total(query):
        response = designer.get(f"/api/v1/design-review/queue?{query}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["total"]

    assert total("review_status=unreviewed") == 1
    assert total("review_status=new") == 1
    assert total("review_status=acknowledged") == 1
    assert total("severity=major") == 2
    assert total(f"defect_type_id={SECOND_DEFECT_TYPE}") == 1
    assert total("defect_category=fabric") == 1
    assert total(f"style_id={world.STYLE}") == 3 and total(f"style_id={uuid.uuid4()}") == 0
    assert total("season=SS26") == 3 and total("season=FW26") == 0
    assert total("category=tops_knit") == 3 and total("category=dresses") == 0
    assert total(f"factory_id={world.FACTORY_A}") == 3 and total(f"factory_id={world.FACTORY_B}") == 0
    day = finalized["inspection"]["finished_at"][:10]
    assert total(f"date_from={day}&date_to={day}") == 3 and total("date_to=2020-01-01") == 0
    # The unreviewed counts follow the filters but not the review status asked for.
    assert designer.get("/api/v1/design-review/queue?review_status=resolved").get_json()["unreviewed"] == {
        "critical": 0, "major": 1}


def test_queue_pages(login_as, finalized):
    designer = login_as("designer")
    first = designer.get("/api/v1/design-review/queue?page_size=2").get_json()
    second = designer.get("/api/v1/design-review/queue?page_size=2&page=2").get_json()
    assert (first["total"], second["total"], second["page"]) == (3, 3, 2)
    rows = [(r["defect_code"], r["severity"]) for page in (first, second) for s in page["styles"] for r in s["rows"]]
    assert rows == [("FAB-009", "major"), ("WKM-001", "major"), ("WKM-001", "minor")]
    assert second["unreviewed"] == first["unreviewed"]


@pytest.mark.parametrize("query, parameter", [
    ("colour=red", "colour"), ("date_from=2026-05-02&date_to=2026-05-01", "date_to"), ("page_size=101", "page_size"),
    ("page=0", "page"), ("severity=fatal", "severity"), ("review_status=done", "review_status"),
    ("style_id=ST-1", "style_id"), ("date_from=yesterday", "date_from")])
def test_queue_refuses_bad_arguments_naming_them(login_as, query, parameter):
    error = _error(login_as("designer").get(f"/api/v1/design-review/queue?{query}"), 400)
    assert parameter in str(error["fields"]), error


def test_unfinalized_inspections_are_not_in_the_queue(login_as):
    queue = login_as("designer").get("/api/v1/design-review/queue").get_json()
    assert queue["total"] == 0 and queue["styles"] == [] and queue["unreviewed"] == {"critical": 0, "major": 0}


# --- a style's history ---------------------------------------------------------------------------------


def test_history_splits_defects_at_each_tech_pack_version(login_as, finalized):
    admin, inspector, designer = login_as("admin"), login_as("inspector_a"), login_as("designer")
    v2 = admin.post("/api/v1/tech-pack-versions", json={"style_id": str(world.STYLE), "version_label": "v2",
                                                        "issued_on": "2026-06-01"}).get_json()["id"]
    created = inspector.post("/api/v1/inspections", json={
        "inspection_type": "final", "factory_id": str(world.FACTORY_A), "lot_size": 500,
        "tech_pack_version_id": v2, "production_order_id": str(world.PROD_ORDER_A)})
    assert created.status_code == 201, created.get_json()
    second = created.get_json()["id"]
    _defect(inspector, second, "minor")
    after = _finalize(inspector, second)
    review = _review(designer).get_json()
    assert designer.patch(f"/api/v1/defect-reviews/{review['id']}", json={
        "status": "action_in_tech_pack", "root_cause": "design_pattern",
        "fix_tech_pack_version_id": v2}).status_code == 200

    history = designer.get(f"/api/v1/design-review/styles/{world.STYLE}/history").get_json()
    units_v1, units_v2 = _units(finalized["inspection"]), _units(after)
    assert [v["version_label"] for v in history["versions"]] == ["v1", "v2"]
    v1_figures, v2_figures = history["versions"][0], history["versions"][1]
    assert v1_figures["on_version"]["defects"] == 4 and v1_figures["on_version"]["units_inspected"] == units_v1
    assert v1_figures["before"]["inspections"] == 0 and v1_figures["before"]["dhu"] is None
    assert v2_figures["before"] == v1_figures["on_version"]
    assert v2_figures["after"]["inspections"] == 1 and v2_figures["after"]["defects"] == 1
    assert v2_figures["after"]["dhu"] == round(100 / units_v2, 2)
    assert v2_figures["factories"] == [{"factory_id": str(world.FACTORY_A), "factory_name": "Factory A",
                                        **v2_figures["on_version"]}]
    (fix,) = v2_figures["fixes"]
    assert (fix["review_id"], fix["defect_code"], fix["root_cause"]) == (review["id"], "WKM-001", "design_pattern")
    # Broken stitches: 3 in units_v1 units before v2 (one major, two minor), 1 in units_v2 after.
    assert (fix["before"]["defects"], fix["before"]["major"], fix["before"]["minor"]) == (3, 1, 2)
    assert fix["before"]["dhu"] == round(300 / units_v1, 2)
    assert (fix["after"]["defects"], fix["after"]["units_inspected"]) == (1, units_v2)
    assert history["totals"]["inspections"] == 2 and history["totals"]["defects"] == 5
    assert history["unversioned"]["inspections"] == 0


def test_history_of_an_unknown_style_is_a_404_and_field_staff_have_none(login_as):
    assert _error(login_as("designer").get(f"/api/v1/design-review/styles/{uuid.uuid4()}/history"), 404)
    for persona in ("inspector_a", "factory_a"):
        assert login_as(persona).get(f"/api/v1/design-review/styles/{world.STYLE}/history").status_code == 403
        assert login_as(persona).get("/api/v1/design-review/queue").status_code == 403


# --- demo data ---------------------------------------------------------------------------------------


def test_the_demo_data_gives_the_designer_reviews_to_see(empty_app):
    from datetime import date

    from server.seed.demo import DEMO_REVIEWS, seed_demo

    with empty_app.app_context():
        seed_demo(today=date(2026, 11, 23))
    designer = empty_app.test_client()
    assert designer.post("/api/v1/auth/login", json={"email": "designer@seamline.example",
                                                     "password": "seamline-demo"}).status_code == 200
    queue = designer.get("/api/v1/design-review/queue?page_size=100").get_json()
    assert queue["unreviewed"]["major"] > 0 and queue["total"] > len(DEMO_REVIEWS)
    reviews = [r["review"] for s in designer.get("/api/v1/design-review/queue?review_status=action_in_tech_pack")
               .get_json()["styles"] for r in s["rows"]]
    assert len(reviews) == 1 and reviews[0]["comments"] == 2 and reviews[0]["fix_version_label"]
    statuses = {r["status"] for r in designer.get("/api/v1/defect-reviews?page_size=100").get_json()}
    assert statuses == {status for status, *_ in DEMO_REVIEWS}
    fixed = designer.get(f"/api/v1/defect-reviews/{reviews[0]['id']}").get_json()
    history = designer.get(f"/api/v1/design-review/styles/{fixed['style_id']}/history").get_json()
    fixes = [f for v in history["versions"] for f in v["fixes"]]
    assert [f["review_id"] for f in fixes] == [reviews[0]["id"]] and history["totals"]["inspections"] > 0


def test_a_review_and_each_change_of_its_status_are_announced(app, login_as, finalized):
    from server.extensions import db
    from server.models import NotificationDelivery

    admin = login_as("admin")
    assert admin.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/unused",
                                                "events": ["review_status_changed"]}).status_code == 201
    designer = login_as("designer")
    review = _review(designer, root_cause="workmanship").get_json()
    assert designer.patch(f"/api/v1/defect-reviews/{review['id']}", json={"status": "acknowledged"}).status_code == 200
    assert designer.patch(f"/api/v1/defect-reviews/{review['id']}",
                          json={"root_cause": "material"}).status_code == 200  # no change of status: no event
    with app.app_context():
        payloads = [row.payload for row in db.session.scalars(
            db.select(NotificationDelivery).where(NotificationDelivery.event == "review_status_changed")
            .order_by(NotificationDelivery.id))]
    assert [(p["previous_status"], p["status"]) for p in payloads] == [(None, "new"), ("new", "acknowledged")]
    assert all(p["review_id"] == review["id"] and p["factory_id"] == str(world.FACTORY_A) for p in payloads)
