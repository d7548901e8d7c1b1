"""Booking in the app (issue 16): a manager books an inline inspection from the inspections list for one of the
inspectors of the order's factory, is told the order is not ready for it and, for a type already booked, which
inspection holds the booking; the chosen inspector's phone then lists it first, under the inspections booked for
the coming days.

Asks for live_app before the browser contexts, so they close before the server stops.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import world
from apps import ApiClient
from helpers import PIXEL_7, assert_accessible, login, wait_synced


def _login_manager(page, base):
    page.goto(base + "/")
    page.fill("#email", world.PERSONAS["manager"][0])
    page.fill("#password", world.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=nav-inspections]")


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def _second_order_booked_inline(app) -> str:
    """MO-A-2 beside the world's MO-A-1, with an inline inspection booked in three days; its id."""
    manager = ApiClient(app.test_client())
    assert manager.login(world.PERSONAS["manager"][0], world.PASSWORD).status_code == 200
    created = manager.post("/api/v1/production-orders", json={
        "number": "MO-A-2", "purchase_order_id": str(world.PO_A), "factory_id": str(world.FACTORY_A), "quantity": 400})
    assert created.status_code == 201, created.get_json()
    booked = manager.post("/api/v1/bookings", json={
        "production_order_id": created.get_json()["id"], "inspection_type": "inline", "planned_date": _day(3)})
    assert booked.status_code == 201, booked.get_json()
    return created.get_json()["id"]


def _order_options(page) -> list[str]:
    return page.eval_on_selector_all("#production_order_id option", "(options) => options.map((o) => o.textContent)")


def test_a_manager_books_and_the_inspector_sees_it_first(live_app, browser):
    base, app = live_app
    with app.app_context():  # the order made for the world's purchase order line, as a real one is: it names a style
        from server.extensions import db
        from server.models import Inspection, ProductionOrder
        from server.services import changes

        with changes.recording(None, "seed"):
            db.session.get(ProductionOrder, world.PROD_ORDER_A).purchase_order_line_id = world.PO_LINE_A
            # The inspector's own inspection planned for next month, which must not push the booking down.
            next_month = Inspection(inspection_type="inline", factory_id=world.FACTORY_A, status="planned",
                                    inspector_id=world.user_id("inspector_a"), lot_size=500,
                                    planned_date=datetime.now(UTC).date() + timedelta(days=30))
            db.session.add(next_month)
        later_id = str(next_month.id)
        db.session.remove()
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    phone = browser.new_context(**PIXEL_7, service_workers="allow")
    try:
        second = _second_order_booked_inline(app)
        page = desk.new_page()
        _login_manager(page, base)
        page.goto(base + "/#/inspections")
        page.click("[data-testid=book-inspection]")
        page.wait_for_selector("#production_order_id")
        # A final inspection of MO-A-1 is in progress already: the form starts on MO-A-2, which can be booked,
        # and marks MO-A-1 in the picker.
        assert page.input_value("#inspection_type") == "final"
        assert page.input_value("#production_order_id") == second
        assert _order_options(page) == ["MO-A-1 · Factory A · booked: In progress", "MO-A-2 · Factory A"]
        assert page.locator("[data-testid=already-booked-warning]").count() == 0
        # For an inline inspection MO-A-2 is the one booked (on its day): the form moves to MO-A-1.
        page.select_option("#inspection_type", "inline")
        assert page.input_value("#production_order_id") == str(world.PROD_ORDER_A)
        in_three_days = page.evaluate("async (d) => (await import('/js/i18n.js')).formatDay(d)", _day(3))
        assert _order_options(page) == ["MO-A-1 · Factory A", f"MO-A-2 · Factory A · booked {in_three_days}"]
        # Chosen anyway, a booked order is warned of before saving; saved, the server's refusal says so too, with a
        # way to the booking it has.
        page.select_option("#production_order_id", str(world.PROD_ORDER_A))
        # The inspectors offered are factory A's: inspector A, not inspector B of factory B.
        offered = page.eval_on_selector_all("#inspector_id option", "(options) => options.map((o) => o.textContent)")
        assert offered[1:] == ["Inspector A"]
        page.select_option("#inspector_id", str(world.user_id("inspector_a")))
        page.select_option("#inspection_type", "final")
        assert page.input_value("#production_order_id") == str(world.PROD_ORDER_A)  # picked: a type change keeps it
        assert "already has this inspection booked" in page.inner_text("[data-testid=already-booked-warning]")
        page.click("[data-testid=book]")
        refusal = page.wait_for_selector("[data-testid=booking-error]")
        assert "already has this inspection booked" in refusal.inner_text()
        assert refusal.query_selector("a").get_attribute("href") == f"#/inspection/{world.INSPECTION_A}"
        # A day in the past is refused next to the field.
        page.select_option("#inspection_type", "inline")
        page.fill("#planned_date", "2020-01-01")
        page.dispatch_event("#planned_date", "change")
        page.click("[data-testid=book]")
        page.wait_for_selector("[data-testid=problem-planned_date]")
        tomorrow = page.evaluate("""() => { const d = new Date(Date.now() + 864e5);
            return new Date(d.getTime() - d.getTimezoneOffset() * 6e4).toISOString().slice(0, 10); }""")
        page.fill("#planned_date", tomorrow)
        page.dispatch_event("#planned_date", "change")
        page.click("[data-testid=book]")
        booked = page.wait_for_selector("[data-testid=booked]")
        # The world's order has only been cut: an inline inspection is booked, and flagged.
        assert "Sewing has not started" in page.inner_text("[data-testid=not-ready]")
        assert_accessible(page, "booking")
        booked_id = booked.query_selector("a").get_attribute("href").rsplit("/", 1)[1]
        with app.app_context():
            from server.extensions import db
            from server.models import Inspection

            assert db.session.get(Inspection, uuid.UUID(booked_id)).inspector_id == world.user_id("inspector_a")

        inspector = phone.new_page()
        login(inspector, base)
        inspector.wait_for_selector("[data-testid=booked-list]")
        first = inspector.query_selector_all("[data-testid=booked-list] [data-testid=inspection-link]")
        # Tomorrow's, before MO-A-2's booking in three days (for any of the factory's inspectors).
        assert [link.get_attribute("data-id") for link in first][:1] == [booked_id] and len(first) == 2
        # Right under the inspector's own inspection in progress, above everything else.
        sections = inspector.eval_on_selector_all("[data-testid=inspection-list] section ul",
                                                  "(lists) => lists.map((l) => l.dataset.testid)")
        # Above their own planned for next month too (it came first, with the one in progress).
        assert sections[:3] == ["open-list", "booked-list", "later-list"]
        assert inspector.eval_on_selector_all("[data-testid=later-list] [data-testid=inspection-link]",
                                              "(links) => links.map((a) => a.dataset.id)") == [later_id]

        # Started offline from its own screen: the hash stays the same, and the inspection used to stay on its
        # set-up form; the booking names no style, and the start recorded none (no checklist, no style figures).
        phone.set_offline(True)
        first[0].click()
        inspector.wait_for_selector("#lot_size")
        inspector.click("[data-testid=start]")
        inspector.wait_for_selector("[data-testid=summary]")
        items = inspector.evaluate("""async (id) => [...(await (await import('/js/db.js')).records('inspection_item'))
            .values()].filter((item) => item.inspection_id === id).map((item) => item.style_id)""", booked_id)
        assert items == [str(world.STYLE)]
        phone.set_offline(False)
        wait_synced(inspector)
        with app.app_context():
            from sqlalchemy import select

            from server.models import InspectionItem

            started = db.session.get(Inspection, uuid.UUID(booked_id))
            assert started.status == "in_progress"
            assert db.session.scalars(select(InspectionItem.style_id).where(
                InspectionItem.inspection_id == started.id)).all() == [world.STYLE]
    finally:
        desk.close()
        phone.close()
