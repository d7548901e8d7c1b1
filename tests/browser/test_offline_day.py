"""An inspector's day without signal, in Chromium with phone emulation."""

from __future__ import annotations

import os

import world
from helpers import ARTIFACTS, login, make_photo, pending, sign, sync_pass, wait_synced, wait_until
from sqlalchemy import func, select


def _stored_photos(app):
    from server.extensions import db
    from server.models import Photo
    from server.services.photos import storage

    with app.app_context():
        rows = db.session.scalars(select(Photo).where(Photo.inspection_id == world.INSPECTION_A,
                                                      Photo.sha256 != "cd" * 32)).all()
        assert all(r.storage_state == "stored" for r in rows), [r.storage_state for r in rows]
        assert all(storage().exists(r.sha256 + ".orig") for r in rows)
        return {r.sha256 for r in rows}


def _defects_on_server(app):
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InspectionDefect).where(
            InspectionDefect.inspection_id == world.INSPECTION_A, InspectionDefect.deleted_at.is_(None)))


def test_offline_day(phone, live_app, tmp_path):
    base, app = live_app
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    phone.on("dialog", lambda dialog: dialog.accept())  # "Finalize? ..." is answered yes
    login(page, base)
    before = _defects_on_server(app)

    phone.set_offline(True)
    page.reload()  # the shell now comes from the service worker
    page.wait_for_selector("[data-testid=inspection-link]")
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=summary]")
    for n in range(10):
        if n == 3:
            page.click(".tally-details summary")
            page.fill("#note", "<img src=x onerror=alert(1)>")
        page.click("[data-testid=tally-WKM-001-minor]")
        wait_until(page, f"() => document.querySelector('[data-testid=count-minor]')?.textContent === '{n + 1}'")
    page.click("[data-testid=undo]")
    wait_until(page, "() => document.querySelector('[data-testid=count-minor]')?.textContent === '9'")
    page.click("[data-testid=tally-WKM-001-minor]")
    wait_until(page, "() => document.querySelector('[data-testid=count-minor]')?.textContent === '10'")
    thumbs_before = page.locator("[data-testid=thumb]").count()  # the world's own inspection photo
    for n, (testid, size) in enumerate([("photo-defect", (3000, 2000)), ("photo-defect", (800, 1200)),
                                        ("photo-inspection", (2000, 1500))]):
        path = make_photo(tmp_path / f"photo{n}.jpg", size, n)
        page.set_input_files(f"[data-testid={testid}]", str(path))
        wait_until(page, f"() => document.querySelectorAll('[data-testid=thumb]').length === {thumbs_before + n + 1}")
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "tally.png"))
    # Offline nothing uploads: each photo says it waits (each said "photos uploading").
    badges = page.eval_on_selector_all("[data-testid=photos-bar] .gallery .badge",
                                       "(badges) => badges.map((b) => b.textContent)")
    assert len(badges) >= 3 and set(badges) == {"waiting to upload"}
    # 11 defects recorded and one undone (each its own mutation), 3 photo records and 3 photos' bytes.
    assert pending(page) == 12 + 3 + 3
    local_hashes = set(page.evaluate("""async () => {
        const db = await (await import('/js/db.js')).openDatabase();
        return (await db.getAll('photos')).map((p) => p.sha256);
    }"""))
    assert len(local_hashes) == 3

    page.close()  # close the app while offline ...
    page = phone.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + f"/#/inspection/{world.INSPECTION_A}")  # ... and open it again, still offline
    wait_until(page, "() => document.querySelector('[data-testid=count-minor]')?.textContent === '10'")
    assert _defects_on_server(app) == before
    cartons = _rest_of_the_final_inspection(page)
    local_hashes = set(page.evaluate("""async () => {
        const db = await (await import('/js/db.js')).openDatabase();
        return (await db.getAll('photos')).map((p) => p.sha256);
    }"""))
    assert len(local_hashes) == 5  # three photos and two signatures

    phone.set_offline(False)
    wait_synced(page)
    assert _defects_on_server(app) == before + 10
    assert _stored_photos(app) == local_hashes  # the server holds exactly those bytes, hash for hash
    sync_pass(page)
    assert _defects_on_server(app) == before + 10  # a second sync creates nothing new
    assert _stored_photos(app) == local_hashes
    _check_final_inspection_on_server(app, cartons)
    assert errors == []


def _rest_of_the_final_inspection(page):
    """Quantity check, a measurement out of tolerance, the checklist, then review and finalize. Offline."""
    page.click("[data-testid=tab-quantity]")
    for field, value in (("#ordered_quantity", "1000"), ("#packed_quantity", "950"), ("#carton_count", "40")):
        page.fill(field, value)
        page.locator(field).blur()  # committed on change, as when the inspector moves on
        wait_until(page, "([field, value]) => document.querySelector(field)?.value === value", arg=[field, value])
    # Drawn again once the last field is recorded: wait for it, not just for the typed value.
    wait_until(page, "() => document.querySelector('[data-testid=packed-percent]')?.textContent.includes('95%')")
    page.click("[data-testid=draw-cartons]")
    drawn = page.locator("[data-testid=cartons-opened] strong").text_content()
    cartons = [int(n) for n in drawn.split(", ")]
    assert len(cartons) == len(set(cartons)) == 7 and all(1 <= n <= 40 for n in cartons)  # ceil(sqrt(40))

    page.click("[data-testid=tab-measure]")
    assert page.input_value("[data-testid=measure-A]") == "52.50"  # piece 1, measured on the server
    page.select_option("#unit", "2")
    wait_until(page, "() => document.querySelector('[data-testid=measure-A]')?.value === ''")  # piece 2
    page.fill("[data-testid=measure-A]", "54.5")
    page.locator("[data-testid=measure-A]").blur()
    wait_until(page, "() => document.querySelector('.measure.out') !== null")  # 52 ± 1: out of tolerance

    page.click("[data-testid=tab-checklist]")
    page.click("label[for=c-FI-001-fail]")
    wait_until(page, "() => document.querySelector('[data-testid=check-FI-001-fail]')?.checked")

    page.click("[data-testid=tab-review]")
    page.wait_for_selector("[data-testid=review]")
    assert page.is_checked("[data-testid=disposition-rework_reinspect]")  # 10 minor on a sample of 80 fail
    sign(page, "signature-inspector")
    page.fill("#representative", "Nguyen Thi Lan")
    sign(page, "signature-factory", amplitude=30)
    page.screenshot(path=os.path.join(ARTIFACTS, "review.png"))
    page.click("[data-testid=finalize]")
    page.wait_for_selector("[data-testid=finalized]")
    return cartons


def _check_final_inspection_on_server(app, cartons):
    from decimal import Decimal

    from server.extensions import db
    from server.models import ChecklistResult, Inspection, MeasurementResult, Photo

    with app.app_context():
        inspection = db.session.get(Inspection, world.INSPECTION_A)
        assert (inspection.status, inspection.verdict, inspection.disposition) == ("finalized", "fail", "rework_reinspect")
        assert (inspection.packed_quantity, inspection.ordered_quantity, inspection.carton_count) == (950, 1000, 40)
        assert inspection.cartons_opened == cartons
        measured = db.session.scalars(select(MeasurementResult).where(
            MeasurementResult.inspection_id == world.INSPECTION_A, MeasurementResult.sample_unit == 2)).all()
        assert [m.measured_value for m in measured] == [Decimal("54.50")]
        assert db.session.get(ChecklistResult, world.CHECKLIST_RESULT_A).result == "fail"
        captions = sorted(db.session.scalars(select(Photo.caption).where(
            Photo.inspection_id == world.INSPECTION_A, Photo.kind == "signature")))
        assert captions == ["Factory representative: Nguyen Thi Lan", "Inspector: Inspector A"]
