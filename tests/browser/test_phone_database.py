"""The phone's IndexedDB connection under the app: closed under it, taken by a newer version in another tab, held
by an older tab (issue 12). The app opens it again, or says what the user must do; it never sits on a dead one.
"""

from __future__ import annotations

import world
from helpers import login, wait_synced, wait_until
from sqlalchemy import func, select

CLOSE_THE_CONNECTION = """async () => (await (await import('/js/db.js')).openDatabase()).close()"""

MINOR_COUNT = "() => document.querySelector('[data-testid=count-minor]')?.textContent"


def _server_defects(app) -> int:
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InspectionDefect).where(
            InspectionDefect.inspection_id == world.INSPECTION_A, InspectionDefect.deleted_at.is_(None)))


def test_a_connection_closed_under_the_app_is_opened_again(phone, live_app):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    before = _server_defects(app)
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=summary]")
    page.click("[data-testid=tally-WKM-001-minor]")
    wait_until(page, f"() => ({MINOR_COUNT})() === '1'")

    # Closed under the app (as the browser may): the next tap is still recorded, shown and synced.
    page.evaluate(CLOSE_THE_CONNECTION)
    page.click("[data-testid=tally-WKM-001-minor]")
    wait_until(page, f"() => ({MINOR_COUNT})() === '2'")
    page.evaluate(CLOSE_THE_CONNECTION)
    wait_synced(page)
    assert _server_defects(app) == before + 2

    # And after a reload the phone shows what it holds.
    page.reload()
    page.wait_for_selector("[data-testid=summary]")
    wait_until(page, f"() => ({MINOR_COUNT})() === '2'")


def test_a_newer_version_in_another_tab_is_let_in_and_this_page_asks_for_a_reload(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    newer = phone.new_page()
    newer.goto(base + "/api/v1/health")  # the same origin, without the app running in it
    # A newer version of the app upgrades the database: the open page lets it (never 'blocked') ...
    outcome = newer.evaluate("""async () => {
        const request = indexedDB.open('seamline', (await import('/js/db.js')).DB_VERSION + 1);
        return new Promise((resolve) => {
            request.onblocked = () => resolve('blocked');
            request.onsuccess = () => { request.result.close(); resolve('upgraded'); };
            request.onerror = () => resolve(String(request.error));
        });
    }""")
    assert outcome == "upgraded"
    # ... and tells the inspector to reload, with a button for it.
    page.wait_for_selector("[data-testid=database-banner] >> text=updated in another tab")
    assert page.locator("[data-testid=database-banner] button").is_visible()


HOLD_AN_OLDER_VERSION = """async () => {
    // An older version of the app, open in another tab: its database one version behind, and no code that
    // closes it when a newer one asks.
    // (Opened through idb, as the app opens it: a migration may use its promises.)
    const { openDB } = await import('/vendor/idb/index.js');
    const { DB_VERSION, MIGRATIONS, upgradeFrom } = await import('/js/db.js');
    window.olderConnection = await openDB('seamline', DB_VERSION - 1, {
        upgrade(db, oldVersion, _new, tx) { upgradeFrom(db, oldVersion, tx, MIGRATIONS.slice(0, DB_VERSION - 1)); },
    });
}"""


def test_an_open_blocked_by_an_older_tab_says_so_and_goes_on_when_it_closes(phone, live_app):
    base, _app = live_app
    older = phone.new_page()
    older.goto(base + "/api/v1/health")  # the same origin, without the app running in it
    older.evaluate(HOLD_AN_OLDER_VERSION)
    page = phone.new_page()
    page.goto(base + "/")
    page.wait_for_selector("[data-testid=database-banner] >> text=Close the other tabs")
    assert page.locator("#email").count() == 0  # the app waits for its database
    older.evaluate("() => window.olderConnection.close()")
    page.wait_for_selector("#email")
    assert page.locator("[data-testid=database-banner]").is_hidden()
