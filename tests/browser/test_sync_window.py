"""A change the server has acknowledged but the phone has not pulled back yet stays on screen.

Between a sync pass's push and its pull the change is neither unsent (the outbox has its answer) nor in the
replica (the pull brings it): a screen drawn then (a tap during a sync) lost it, and a tally count went down
by one until the next redraw. Found by closing the database under the app (test_phone_database.py).
"""

from __future__ import annotations

import threading

import world
from helpers import login, wait_until

RECORD = """async ([inspectionId, defectTypeId]) => (await import('/js/db.js')).upsert('inspection_defect',
    { inspection_id: inspectionId, defect_type_id: defectTypeId, severity: 'minor', note: 'tapped during a sync' })"""

SHOWN = "async (id) => Boolean(await (await import('/js/db.js')).record('inspection_defect', id))"


class HeldPulls:
    """Pulls wait at the server until the test lets them go."""

    def __init__(self, app):
        self.inner = app.wsgi_app
        self.release = threading.Event()
        self.holding = threading.Event()
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/api/v1/sync/pull":
            self.holding.set()
            self.release.wait(60)
        return self.inner(environ, start_response)


def test_an_acknowledged_change_stays_shown_until_the_pull_brings_it(live_app, phone):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    wait_until(page, "async () => !(await import('/js/sync.js')).status().running")
    pulls = HeldPulls(app)
    try:
        defect = page.evaluate(RECORD, [str(world.INSPECTION_A), str(world.DEFECT_TYPE)])
        page.evaluate("() => { import('/js/sync.js').then((sync) => sync.syncNow()); }")
        assert pulls.holding.wait(45), "the sync pass never pulled"
        # Pushed and acknowledged, not pulled back yet: still shown.
        wait_until(page, "async () => (await (await import('/js/db.js')).pendingCounts()).mutations === 0")
        assert page.evaluate(SHOWN, defect), "the acknowledged defect vanished until the pull"
    finally:
        pulls.release.set()
    wait_until(page, "async () => !(await import('/js/sync.js')).status().running")
    assert page.evaluate(SHOWN, defect)
    assert page.evaluate("async (id) => !(await (await import('/js/db.js')).record('inspection_defect', id))._pending",
                         defect), "once pulled, the defect is the server's"
