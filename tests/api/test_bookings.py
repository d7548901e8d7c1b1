"""Booking inspections against production orders (issue 16): who may book, readiness flags, double bookings,
bad input, and the booked inspection reaching the inspector's phone through sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import world

TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


def _book(client, **fields):
    body = {"production_order_id": str(world.PROD_ORDER_A), "inspection_type": "inline", "planned_date": TOMORROW,
            **fields}
    return client.post("/api/v1/bookings", json=body)


def _milestone(client, stage, quantity):
    response = client.post("/api/v1/milestone-events", json={
        "production_order_id": str(world.PROD_ORDER_A), "stage": stage, "quantity": quantity,
        "occurred_on": datetime.now(UTC).date().isoformat()})
    assert response.status_code == 201, response.get_json()


def test_a_manager_books_an_inline_inspection_flagged_until_sewing_starts(login_as):
    manager = login_as("manager")
    response = _book(manager, inspector_id=str(world.user_id("inspector_a")), aql_major="1.5")
    assert response.status_code == 201, response.get_json()
    booked = response.get_json()
    inspection = booked["inspection"]
    assert (inspection["status"], inspection["inspection_type"], inspection["planned_date"]) == (
        "planned", "inline", TOMORROW)
    assert inspection["factory_id"] == str(world.FACTORY_A) and inspection["lot_size"] == 1000
    assert inspection["aql_major"] == "1.5" and inspection["inspector_id"] == str(world.user_id("inspector_a"))
    assert booked["readiness"] == {"ready": False, "reason": "sewing_not_started", "packed_quantity": None,
                                   "needed_quantity": None}
    _milestone(login_as("factory_a"), "sewing", 200)
    (listed,) = manager.get("/api/v1/bookings?inspection_type=inline").get_json()
    assert listed["inspection"]["id"] == inspection["id"] and listed["readiness"]["ready"] is True


def test_a_final_inspection_is_ready_once_the_packed_share_reaches_the_setting(login_as, app):
    manager = login_as("manager")
    # The world's in-progress final inspection of this order is still open: cancel it first.
    assert manager.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"status": "cancelled"}).status_code == 200
    factory = login_as("factory_a")
    _milestone(factory, "packed", 700)
    booked = _book(factory, inspection_type="final").get_json()
    assert booked["readiness"] == {"ready": False, "reason": "packed_below_threshold", "packed_quantity": 700,
                                   "needed_quantity": 800}
    _milestone(factory, "packed", 800)
    (listed,) = factory.get("/api/v1/bookings?inspection_type=final").get_json()
    assert listed["readiness"]["ready"] is True and listed["readiness"]["packed_quantity"] == 800
    app.config["BOOKING_FINAL_PACKED_PERCENT"] = 90
    (listed,) = factory.get("/api/v1/bookings?inspection_type=final").get_json()
    assert listed["readiness"] == {"ready": False, "reason": "packed_below_threshold", "packed_quantity": 800,
                                   "needed_quantity": 900}


def test_level_and_aqls_left_out_are_the_defaults_for_the_product_and_type(login_as):
    manager = login_as("manager")
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}",
                         json={"purchase_order_line_id": str(world.PO_LINE_A)}).status_code == 200
    assert login_as("admin").patch(f"/api/v1/aql-defaults/{world.AQL_DEFAULT}", json={
        "inspection_level": "I", "aql_major": "1.0", "aql_minor": "2.5"}).status_code == 200
    assert manager.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={"status": "cancelled"}).status_code == 200
    # The world's default is for final inspections of knit tops, the order's style.
    defaulted = _book(manager, inspection_type="final").get_json()["inspection"]
    assert (defaulted["inspection_level"], defaulted["aql_major"], defaulted["aql_minor"]) == ("I", "1.0", "2.5")
    chosen = _book(manager, inspection_type="inline", aql_major="0.65").get_json()["inspection"]
    assert (chosen["inspection_level"], chosen["aql_major"]) == ("II", "0.65")  # no default for inline: the usual


def test_a_double_booking_is_refused_naming_the_first(login_as):
    manager = login_as("manager")
    first = _book(manager).get_json()["inspection"]["id"]
    again = _book(manager, planned_date=(datetime.now(UTC).date() + timedelta(days=5)).isoformat())
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "already_booked" and error["fields"] == {"production_order_id": [first]}
    # The world's final inspection of the order is in progress: a final booking is a double booking too.
    final = _book(manager, inspection_type="final").get_json()["error"]
    assert final["code"] == "already_booked" and final["fields"] == {"production_order_id": [str(world.INSPECTION_A)]}
    # Once the first is cancelled, the order can be booked again.
    assert manager.patch(f"/api/v1/inspections/{first}", json={"status": "cancelled"}).status_code == 200
    assert _book(manager).status_code == 201


def test_who_may_book_and_whose_orders(login_as):
    for persona in ("inspector_a", "designer"):
        refused = _book(login_as(persona))
        assert refused.status_code == 403, persona
    # A factory's staff book their own factory's orders only: another factory's order does not exist for them.
    order_b = login_as("manager").post("/api/v1/production-orders", json={
        "number": "MO-B-1", "purchase_order_id": str(world.PO_B), "factory_id": str(world.FACTORY_B), "quantity": 500})
    assert order_b.status_code == 201, order_b.get_json()
    hidden = _book(login_as("factory_a"), production_order_id=order_b.get_json()["id"])
    assert hidden.status_code == 400
    assert hidden.get_json()["error"]["fields"] == {"production_order_id": ["No such production order."]}
    assert _book(login_as("factory_a")).status_code == 201
    assert login_as("inspector_b").get("/api/v1/bookings").get_json() == []
    assert len(login_as("inspector_a").get("/api/v1/bookings").get_json()) == 1


def test_bad_bookings_get_a_clear_error_and_write_nothing(login_as):
    manager = login_as("manager")
    cases = {
        "planned_date": _book(manager, planned_date="2020-01-01"),
        "inspection_type": _book(manager, inspection_type="random"),
        "inspector_id": _book(manager, inspector_id=str(world.user_id("inspector_b"))),  # not assigned to A
        "aql_major": _book(manager, aql_major="3.3"),
        "lot_size": _book(manager, lot_size=0),
        "surprise": _book(manager, surprise=1),
    }
    for field, response in cases.items():
        assert response.status_code == 400, (field, response.get_json())
        assert field in response.get_json()["error"]["fields"], (field, response.get_json())
    missing = manager.post("/api/v1/bookings", json={"inspection_type": "inline"})
    assert missing.status_code == 400
    assert set(missing.get_json()["error"]["fields"]) == {"production_order_id", "planned_date"}
    assert manager.get("/api/v1/bookings").get_json() == []
    backwards = manager.get("/api/v1/bookings?date_from=2026-05-02&date_to=2026-05-01")
    assert backwards.status_code == 400 and "date_to" in backwards.get_json()["error"]["fields"]
    oversized = manager.get("/api/v1/bookings?page_size=5000")
    assert oversized.status_code == 400 and "page_size" in oversized.get_json()["error"]["fields"]


def test_a_closed_order_is_not_booked(login_as):
    manager = login_as("manager")
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}",
                         json={"status": "completed"}).status_code == 200
    refused = _book(manager)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "order_closed"


def test_the_booked_inspection_reaches_the_inspectors_phone(login_as):
    booked = _book(login_as("manager"), inspector_id=str(world.user_id("inspector_a"))).get_json()["inspection"]

    def pulled(persona):
        answer = login_as(persona).get(f"/api/v1/sync/pull?client_id=phone-of-{persona.replace('_', '-')}-0001")
        return {c["id"] for c in answer.get_json()["changes"] if c["entity"] == "inspection"}

    assert booked["id"] in pulled("inspector_a")
    assert booked["id"] not in pulled("inspector_b")


def test_the_booker_is_offered_the_active_inspectors_of_the_orders_factory(login_as):
    def offered(client, factory=world.FACTORY_A):
        response = client.get(f"/api/v1/factories/{factory}/inspectors")
        return response.status_code, response.get_json()

    admin = login_as("admin")
    # Inspector B takes on factory A too; the factory's own staff are no inspectors.
    assert admin.patch(f"/api/v1/users/{world.user_id('inspector_b')}",
                       json={"factory_ids": [str(world.FACTORY_A), str(world.FACTORY_B)]}).status_code == 200
    status, listed = offered(login_as("manager"))
    assert status == 200
    assert listed == [{"id": str(world.user_id("inspector_a")), "display_name": "Inspector A"},
                      {"id": str(world.user_id("inspector_b")), "display_name": "Inspector B"}]
    assert offered(login_as("factory_a")) == (200, listed)
    # A deactivated inspector is not offered (a booking naming them would be refused).
    assert admin.patch(f"/api/v1/users/{world.user_id('inspector_a')}", json={"active": False}).status_code == 200
    assert [i["display_name"] for i in offered(admin)[1]] == ["Inspector B"]
    # An inspection's own check is the same rule: whoever is offered may be named, and nobody else.
    for persona, may_inspect in (("inspector_b", True), ("inspector_a", False), ("factory_a", False), ("manager", False)):
        named = admin.post("/api/v1/inspections", json={"inspection_type": "inline", "factory_id": str(world.FACTORY_A),
                                                        "lot_size": 800, "inspector_id": str(world.user_id(persona))})
        assert named.status_code == (201 if may_inspect else 400), (persona, named.get_json())
    # Another factory's inspectors do not exist for a factory's staff; those who may not book are refused.
    status, body = offered(login_as("factory_a"), world.FACTORY_B)
    assert status == 404 and body["error"]["code"] == "not_found"
    assert offered(login_as("inspector_b"))[0] == 403
