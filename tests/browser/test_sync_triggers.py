"""What starts a sync on a phone without Background Sync (every iPhone): a change made online goes within seconds,
and hiding the app sends what waits (issue 12). Chromium has Background Sync, so these pages are stripped of it.

Before these triggers, nothing but the one-minute timer pushed such a change: the waits below (well under a minute,
generous for a loaded machine) fail then.
"""

from __future__ import annotations

import time

import world
from helpers import login, pending, wait_until
from sqlalchemy import func, select

# Run before the app's scripts: the page looks like Safari's, with no SyncManager and no registration.sync.
WITHOUT_BACKGROUND_SYNC = """
delete window.SyncManager;
if (window.ServiceWorkerRegistration) delete ServiceWorkerRegistration.prototype.sync;
"""

# Well below the one-minute timer, and still generous on a busy two-core machine.
SERVER_WAIT = 25.0


def _server_notes(app) -> list[str]:
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        return list(db.session.scalars(select(InspectionDefect.note).where(
            InspectionDefect.inspection_id == world.INSPECTION_A, InspectionDefect.deleted_at.is_(None))))


def _server_defects(app) -> int:
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InspectionDefect).where(
            InspectionDefect.inspection_id == world.INSPECTION_A, InspectionDefect.deleted_at.is_(None)))


def _wait_for_server(check, what: str, timeout: float = SERVER_WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never got {what} within {timeout} s")
        time.sleep(0.1)


def _phone_without_background_sync(phone, base):
    phone.add_init_script(WITHOUT_BACKGROUND_SYNC)
    page = phone.new_page()
    login(page, base)
    assert page.evaluate("async () => !('SyncManager' in window) && !(await navigator.serviceWorker.ready).sync")
    # The sync pass of the start is over: from here on only the triggers under test push.
    wait_until(page, "async () => !(await import('/js/sync.js')).status().running", timeout=30)
    return page


def test_a_change_made_online_is_pushed_within_seconds(phone, live_app):
    base, app = live_app
    page = _phone_without_background_sync(phone, base)
    before = _server_defects(app)
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=summary]")
    # A burst of taps (each one a change and one call of the trigger) ...
    for n in range(3):
        page.click("[data-testid=tally-WKM-001-minor]")
        wait_until(page, f"() => document.querySelector('[data-testid=count-minor]')?.textContent === '{n + 1}'")
    # ... reaches the server by itself, long before the one-minute timer.
    _wait_for_server(lambda: _server_defects(app) == before + 3, "the three defects tapped online")
    wait_until(page, "async () => (await (await import('/js/db.js')).pendingCounts()).mutations === 0")


def test_hiding_the_app_pushes_what_waits(phone, live_app):
    base, app = live_app
    page = _phone_without_background_sync(phone, base)
    # Recorded straight into the outbox, as a change whose trigger never ran (the app was hidden at once).
    page.evaluate("""async ([inspectionId, defectTypeId]) => {
        const db = await import('/js/db.js');
        await db.upsert('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
                                               severity: 'major', note: 'left as the phone locked' });
    }""", [str(world.INSPECTION_A), str(world.DEFECT_TYPE)])
    assert pending(page) == 1
    # The inspector switches apps: the page becomes hidden.
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        Object.defineProperty(document, 'hidden', { value: true, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    _wait_for_server(lambda: "left as the phone locked" in _server_notes(app), "the change waiting when the app was hidden")
