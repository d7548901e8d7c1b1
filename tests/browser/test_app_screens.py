"""The app's screens: finalize offline, user text never runs, accessibility, screenshots."""

from __future__ import annotations

import world
from helpers import PIXEL_7, assert_accessible, login, save_screenshot, sign, wait_synced, wait_until
from sqlalchemy import select

XSS = "<img src=x onerror=alert(1)>"




def test_finalize_offline_with_hostile_note_and_accessible_screens(phone, live_app):
    base, app = live_app
    page = phone.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.goto(base + "/")
    assert_accessible(page, "login")
    save_screenshot(page, "login")
    login(page, base)
    assert_accessible(page, "my inspections")
    save_screenshot(page, "inspections")

    page.click("[data-testid=new-inspection]")
    page.wait_for_selector("#lot_size")
    page.fill("#lot_size", "3000")
    wait_until(page, "() => document.querySelector('[data-testid=sample-size]')?.textContent.includes('125')")
    assert_accessible(page, "set-up")
    save_screenshot(page, "setup")

    phone.set_offline(True)
    page.click("a[href='#/']")
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=summary]")
    page.click(".tally-details summary")  # note and location fold away until wanted
    page.fill("#note", XSS)
    page.click("[data-testid=tally-WKM-001-major]")
    wait_until(page, "() => document.querySelector('[data-testid=count-major]')?.textContent === '2'")
    assert_accessible(page, "tally")
    save_screenshot(page, "tally-online-offline")
    page.click("[data-testid=tab-review]")
    page.wait_for_selector("[data-testid=review]")
    sign(page, "signature-inspector")
    page.check("#declined")
    page.click("[data-testid=finalize]")  # the confirm dialog is accepted
    page.wait_for_selector("[data-testid=finalized]")
    notes = page.locator("[data-testid=defect-note]").all_text_contents()
    assert any(XSS in note for note in notes), notes
    assert page.locator(".note img").count() == 0
    save_screenshot(page, "finalized")

    phone.set_offline(False)
    wait_synced(page)
    from server.extensions import db
    from server.models import Inspection, InspectionDefect, SyncRejection

    with app.app_context():
        assert db.session.scalars(select(SyncRejection)).all() == []
        inspection = db.session.get(Inspection, world.INSPECTION_A)
        assert (inspection.status, inspection.verdict) == ("finalized", "pass")
        stored = db.session.scalars(select(InspectionDefect.note).where(InspectionDefect.note == XSS)).all()
        assert stored == [XSS]
    assert [d for d in dialogs if "alert" in d or d == "1"] == []
    assert all("Finalize" in d for d in dialogs)


SCREENS = [
    ("inspections", "#/", "[data-testid=inspection-link]"),
    ("setup", "#/inspection/new", "#lot_size"),
    ("tally", f"#/inspection/{world.INSPECTION_A}/tally", "[data-testid=undo]"),
    ("quantity", f"#/inspection/{world.INSPECTION_A}/quantity", "[data-testid=quantity]"),
    ("measurements", f"#/inspection/{world.INSPECTION_A}/measure", "[data-testid=measurements]"),
    ("checklist", f"#/inspection/{world.INSPECTION_A}/checklist", "[data-testid=checklist]"),
    ("review", f"#/inspection/{world.INSPECTION_A}/review", "[data-testid=review]"),
    ("milestones", "#/milestones", "[data-testid=production-order-link]"),
    ("milestone-order", f"#/milestones/{world.PROD_ORDER_A}", "[data-testid=record-milestone]"),
    ("sync", "#/sync", "[data-testid=export]"),
]


def test_every_main_screen_fits_360px_and_passesassert_accessible(browser, live_app):
    """At 360 px wide: no horizontal scrolling, touch targets of 44 px, no serious axe violation."""
    base, _app = live_app
    context = browser.new_context(**{**PIXEL_7, "viewport": {"width": 360, "height": 780}}, service_workers="allow")
    try:
        page = context.new_page()
        login(page, base)
        for name, route, ready in SCREENS:
            page.goto(base + "/" + route)
            page.reload()
            page.wait_for_selector(ready)
            assert_accessible(page, name)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 360, f"{name}: {width} px wide"
            small = page.evaluate("""() => [...document.querySelectorAll('main button, main a.button, main .tab, main select,'
                + ' main input:not([type=radio]):not([type=checkbox]):not(.visually-hidden), main .segmented label')]
                .filter((e) => e.offsetParent !== null)
                .map((e) => [e.textContent.trim().slice(0, 30) || e.id, e.getBoundingClientRect().height])
                .filter(([, height]) => height < 44)""")
            assert small == [], f"{name}: touch targets under 44 px: {small}"
            save_screenshot(page, f"screen-{name}")
    finally:
        context.close()


def test_start_tapped_twice_makes_one_inspection_and_factory_users_only_read(phone, live_app):
    from server.extensions import db
    from server.models import Inspection

    base, app = live_app
    page = phone.new_page()
    login(page, base)
    page.click("[data-testid=new-inspection]")
    page.fill("#lot_size", "777")
    page.dblclick("[data-testid=start]")
    page.wait_for_selector("[data-testid=tally-WKM-001-major]")
    wait_synced(page)
    with app.app_context():
        assert len(db.session.scalars(select(Inspection).where(Inspection.lot_size == 777)).all()) == 1

    factory = phone.browser.new_context(service_workers="allow").new_page()
    login(factory, base, persona="factory_a")
    factory.goto(base + f"/#/inspection/{world.INSPECTION_A}")
    factory.reload()
    factory.wait_for_selector("[data-testid=summary]")
    assert factory.locator("[data-testid=tally-WKM-001-major], [data-testid=finalize], #lot_size").count() == 0
    assert factory.locator("[data-testid=defect-note]").count() >= 1  # the defects, read-only
    factory.context.close()
