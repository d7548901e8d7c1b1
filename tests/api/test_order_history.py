"""An order's history from the audit trail: who, when, from where, old and new values, for the order, its lines
and its production orders; scoped like the order; and the orders' new fields (season, incoterm, the production
orders' split and stage plan) through the REST API and the vocabulary."""

from __future__ import annotations

import io

import world


def history(client, order_id=world.PO_A, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/purchase-orders/{order_id}/history" + (f"?{query}" if query else ""))


def test_every_change_reads_as_history_with_who_when_and_old_and_new_values(app, login_as):
    manager = login_as("manager")
    assert manager.patch(f"/api/v1/purchase-orders/{world.PO_A}",
                         json={"status": "in_production", "incoterm": "FOB"}).status_code == 200
    assert manager.patch(f"/api/v1/purchase-order-lines/{world.PO_LINE_A}",
                         json={"unit_price": "4.4000"}).status_code == 200
    csv_file = ("po_number,factory_code,season,order_date,status,incoterm,currency,style_number,colourway,sizes,"
                "quantity,unit_price,ex_factory_date,in_warehouse_date\r\n"
                "PO-A-1,FA,SS26,2026-02-01,in_production,FOB,USD,ST-1,Navy,M=600; L=400,1000,4.4,2026-05-01,\r\n")
    imported = login_as("admin").post("/api/v1/purchase-orders/import", content_type="multipart/form-data",
                                      data={"file": (io.BytesIO(csv_file.encode()), "po.csv")})
    assert imported.status_code == 200, imported.get_json()

    response = history(manager)
    assert response.status_code == 200
    entries = response.get_json()
    season, line_price, order_status = entries[0], entries[1], entries[2]
    assert season["changes"] == {"season": {"old": None, "new": "SS26"}}
    assert (season["source"], season["actor"]["name"], season["record"]) == ("import", "Admin", "PO-A-1")
    assert line_price["entity"] == "purchase_order_line" and line_price["record"] == "ST-1 Navy"
    assert line_price["changes"] == {"unit_price": {"old": "4.2500", "new": "4.4000"}}
    assert line_price["actor"] == {"id": str(world.user_id("manager")), "name": "Manager"}
    assert order_status["changes"] == {"status": {"old": "confirmed", "new": "in_production"},
                                       "incoterm": {"old": None, "new": "FOB"}}
    assert order_status["at"] >= entries[-1]["at"]
    # The seed's inserts come last, with every field; references read as codes, not ids.
    inserted = {e["record"]: e for e in entries if e["action"] == "insert"}
    # With the production order's milestone and the inspection booked against it.
    assert set(inserted) == {"PO-A-1", "ST-1 Navy", "MO-A-1", "MO-A-1 cut", "MO-A-1 final"}
    assert inserted["PO-A-1"]["actor"] is None and inserted["PO-A-1"]["source"] == "seed"
    assert inserted["PO-A-1"]["changes"]["factory_id"] == {"old": None, "new": "FA"}
    assert inserted["ST-1 Navy"]["changes"]["style_id"] == {"old": None, "new": "ST-1"}
    assert inserted["MO-A-1 cut"]["changes"]["production_order_id"] == {"old": None, "new": "MO-A-1"}
    assert inserted["MO-A-1 final"]["changes"]["inspector_id"] == {"old": None, "new": "Inspector A"}
    # Paged, newest first.
    page = history(manager, page=2, page_size=2)
    assert [e["changes"] for e in page.get_json()] == [e["changes"] for e in entries[2:4]]


def test_history_is_scoped_like_the_order(app, login_as):
    assert history(login_as("factory_a")).status_code == 200
    assert history(login_as("inspector_b")).get_json()["error"]["code"] == "not_found"
    assert history(login_as("inspector_b"), world.PO_B).status_code == 200
    assert history(login_as("designer")).status_code == 403


def test_production_orders_carry_their_split_and_a_planned_date_per_stage(app, login_as):
    manager = login_as("manager")
    created = manager.post("/api/v1/production-orders", json={
        "number": "MO-A-2", "purchase_order_id": str(world.PO_A), "factory_id": str(world.FACTORY_A),
        "purchase_order_line_id": str(world.PO_LINE_A), "quantity": 400, "factory_line": "Line 3",
        "colourway": "Navy", "ex_factory_date": "2026-05-01",
        "stage_plan": {"cut": "2026-03-20", "sewing": "2026-04-01", "shipped": "2026-05-01"}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["stage_plan"] == {"cut": "2026-03-20", "sewing": "2026-04-01", "shipped": "2026-05-01"}
    assert (body["factory_line"], body["colourway"], body["ex_factory_date"]) == ("Line 3", "Navy", "2026-05-01")
    bad = manager.patch(f"/api/v1/production-orders/{body['id']}",
                        json={"stage_plan": {"knitting": "2026-03-01", "cut": "soon"}})
    assert bad.status_code == 400
    fields = bad.get_json()["error"]["fields"]["stage_plan"]
    assert "Must be one of" in str(fields["knitting"]) and "date" in str(fields["cut"])
    # The stage plan's change is in the order's history.
    assert manager.patch(f"/api/v1/production-orders/{body['id']}",
                         json={"stage_plan": {"cut": "2026-03-22"}}).status_code == 200
    latest = history(manager).get_json()[0]
    assert latest["record"] == "MO-A-2"
    assert latest["changes"]["stage_plan"]["new"] == {"cut": "2026-03-22"}


def test_purchase_orders_filter_by_season_and_the_vocabulary_serves_incoterms(app, login_as):
    manager = login_as("manager")
    assert manager.patch(f"/api/v1/purchase-orders/{world.PO_B}", json={"season": "AW26"}).status_code == 200
    listed = manager.get("/api/v1/purchase-orders?season=AW26").get_json()
    assert [o["po_number"] for o in listed] == ["PO-B-1"]
    vocabulary = manager.get("/api/v1/vocabulary").get_json()
    assert vocabulary["vocabulary"]["incoterms"][:3] == ["EXW", "FCA", "CPT"]
    assert vocabulary["vocabulary"]["purchase_order_statuses"][0] == "draft"
    assert vocabulary["vocabulary"]["purchase_order_csv_columns"][:2] == ["po_number", "factory_code"]
    assert vocabulary["entities"]["purchase_order"]["fields"]["incoterm"]["choices"] == \
        vocabulary["vocabulary"]["incoterms"]
    refused = manager.patch(f"/api/v1/purchase-orders/{world.PO_B}", json={"incoterm": "FOBB"})
    assert refused.status_code == 400


def test_milestones_and_bookings_of_its_production_orders_are_in_the_order_history(app, login_as):
    from datetime import UTC, datetime, timedelta

    manager = login_as("manager")
    booked = manager.post("/api/v1/bookings", json={
        "production_order_id": str(world.PROD_ORDER_A), "inspection_type": "inline",
        "planned_date": (datetime.now(UTC).date() + timedelta(days=2)).isoformat()})
    assert booked.status_code == 201, booked.get_json()
    sewing = login_as("factory_a").post("/api/v1/milestone-events", json={
        "production_order_id": str(world.PROD_ORDER_A), "stage": "sewing", "quantity": 300,
        "occurred_on": datetime.now(UTC).date().isoformat(), "delay_reason": "capacity"})
    assert sewing.status_code == 201, sewing.get_json()
    newest = history(manager).get_json()[:2]
    assert [(e["entity"], e["record"], e["action"]) for e in newest] == [
        ("milestone_event", "MO-A-1 sewing", "insert"), ("inspection", "MO-A-1 inline", "insert")]
    assert newest[0]["changes"]["delay_reason"] == {"old": None, "new": "capacity"}
    assert newest[1]["actor"]["name"] == "Manager" and newest[1]["changes"]["status"]["new"] == "planned"


def test_a_production_order_has_its_own_history_of_plan_milestones_and_bookings(app, login_as):
    manager = login_as("manager")
    url = f"/api/v1/production-orders/{world.PROD_ORDER_A}/history"
    sibling = manager.post("/api/v1/production-orders", json={
        "number": "MO-A-2", "purchase_order_id": str(world.PO_A), "factory_id": str(world.FACTORY_A), "quantity": 400})
    assert sibling.status_code == 201, sibling.get_json()
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}",
                         json={"stage_plan": {"cut": "2026-03-01", "sewing": "2026-03-10"}}).status_code == 200
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}", json={
        "stage_plan": {"cut": "2026-03-01", "sewing": "2026-03-17"}, "ex_factory_date": "2026-05-08"}).status_code == 200
    entries = manager.get(url).get_json()
    replanned = entries[0]
    assert (replanned["record"], replanned["action"], replanned["actor"]["name"]) == ("MO-A-1", "update", "Manager")
    assert replanned["changes"] == {
        "stage_plan": {"old": {"cut": "2026-03-01", "sewing": "2026-03-10"},
                       "new": {"cut": "2026-03-01", "sewing": "2026-03-17"}},
        "ex_factory_date": {"old": None, "new": "2026-05-08"}}
    # Its own records only: its milestone and its booking, not its purchase order nor the sibling order.
    assert {e["record"] for e in entries} == {"MO-A-1", "MO-A-1 cut", "MO-A-1 final"}
    # Each named by its number with the stage or inspection type apart, a code the app words in its language.
    assert {(e["record_name"], e["record_code"]) for e in entries} == {
        ("MO-A-1", None), ("MO-A-1", "cut"), ("MO-A-1", "final")}
    # Every reference reads as what people know it by, never as an id: the order line as its style and colourway,
    # the tech pack as its style and version, the inspector by name.
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}",
                         json={"purchase_order_line_id": str(world.PO_LINE_A)}).status_code == 200
    entries = manager.get(url).get_json()
    assert entries[0]["changes"]["purchase_order_line_id"] == {"old": None, "new": "ST-1 Navy"}
    booked = next(e for e in entries if e["record_code"] == "final" and e["action"] == "insert")
    assert booked["changes"]["tech_pack_version_id"]["new"] == "ST-1 v1"
    assert booked["changes"]["inspector_id"]["new"] == "Inspector A"
    paged = manager.get(url + "?page=2&page_size=1")
    assert paged.get_json() == entries[1:2] and '"total": ' + str(len(entries)) in paged.headers["X-Pagination"]
    # A re-inspection names the inspection it repeats by its order and type.
    with app.app_context():
        from server.extensions import db
        from server.models import Inspection
        from server.services import changes

        with changes.recording(None, "automation"):
            db.session.get(Inspection, world.INSPECTION_A).status = "finalized"
    again = login_as("inspector_a").post("/api/v1/inspections", json={
        "inspection_type": "final", "factory_id": str(world.FACTORY_A), "production_order_id": str(world.PROD_ORDER_A),
        "lot_size": 1000, "reinspection_of_id": str(world.INSPECTION_A)})
    assert again.status_code == 201, again.get_json()
    assert manager.get(url).get_json()[0]["changes"]["reinspection_of_id"]["new"] == "MO-A-1 final"
    # Scoped like the order; read by those who read orders.
    assert login_as("inspector_b").get(url).get_json()["error"]["code"] == "not_found"
    assert login_as("factory_a").get(url).status_code == 200
    assert login_as("designer").get(url).status_code == 403
