"""An inspector's day without signal, in Chromium with phone emulation."""

from __future__ import annotations

import os

from sqlalchemy import func, select

import world

ARTIFACTS = os.environ.get("SEAMLINE_ARTIFACTS", "test-artifacts")


def _login(page, base, persona="inspector_a"):
    page.goto(base + "/")
    page.fill("#email", world.PERSONAS[persona][0])
    page.fill("#password", world.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=inspection-link]")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")


def wait_until(page, predicate_js: str, timeout: float = 10.0) -> None:
    """Poll a JS predicate with page.evaluate: the app's CSP (no eval) rules out wait_for_function."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate_js):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate_js}")
        time.sleep(0.05)


def wait_synced(page) -> None:
    """Run the app's sync loop and wait until nothing is left in the outbox or the photo queue."""
    page.evaluate("async () => (await import('/js/sync.js')).syncNow()")
    wait_until(page, """async () => {
        const db = await import('/js/db.js');
        const c = await db.pendingCounts();
        return c.mutations + c.photos === 0;
    }""")


def _pending(page) -> int:
    return page.evaluate("""async () => {
        const db = await import('/js/db.js');
        const counts = await db.pendingCounts();
        return counts.mutations + counts.photos;
    }""")


def _photo(path, size, seed):
    from PIL import Image

    Image.effect_noise(size, 30 + seed).convert("RGB").save(path, "JPEG", quality=85)
    return path


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
    _login(page, base)
    before = _defects_on_server(app)

    phone.set_offline(True)
    page.reload()  # the shell now comes from the service worker
    page.wait_for_selector("[data-testid=inspection-link]")
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=summary]")
    for n in range(10):
        if n == 3:
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
        path = _photo(tmp_path / f"photo{n}.jpg", size, n)
        page.set_input_files(f"[data-testid={testid}]", str(path))
        wait_until(page, f"() => document.querySelectorAll('[data-testid=thumb]').length === {thumbs_before + n + 1}")
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "tally.png"))
    # 11 defects recorded and one undone (each its own mutation), 3 photo records and 3 photos' bytes.
    assert _pending(page) == 12 + 3 + 3
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

    phone.set_offline(False)
    wait_synced(page)
    assert _defects_on_server(app) == before + 10
    assert _stored_photos(app) == local_hashes  # the server holds exactly those bytes, hash for hash
    page.evaluate("async () => (await import('/js/sync.js')).syncNow()")
    assert _defects_on_server(app) == before + 10  # a second sync creates nothing new
    assert _stored_photos(app) == local_hashes
    assert errors == []
