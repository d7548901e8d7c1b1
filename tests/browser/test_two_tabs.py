"""Two tabs of the app on one phone: one sync loop at a time (a Web Lock), mutation ids that never collide."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import select

import world
from helpers import login, pending, wait_synced

# Started, not awaited: the test starts the work in both tabs, then waits for both (window.__work).
RECORD = """([label, count]) => {
    window.__work = (async () => {
        const db = await import('/js/db.js');
        const ids = [];
        for (let n = 0; n < count; n += 1) {
            ids.push(await db.upsert('inspection_defect', { inspection_id: '%s', defect_type_id: '%s',
                                                            severity: 'minor', note: `${label} ${n}` }));
        }
        return ids;
    })();
}""" % (world.INSPECTION_A, world.DEFECT_TYPE)

SYNC_MANY = """(times) => {
    window.__work = import('/js/sync.js').then((sync) => Promise.all(Array.from({ length: times }, () => sync.syncNow())))
        .then(() => null);
}"""

RESULT = "() => window.__work"


def test_two_tabs_share_one_outbox_and_one_sync_loop(phone, live_app):
    base, app = live_app
    first = phone.new_page()
    login(first, base)
    second = phone.new_page()
    second.goto(base + "/")
    second.wait_for_selector("[data-testid=inspection-link]")

    # Both tabs record at once, interleaved: every change gets its own mutation id.
    phone.set_offline(True)
    first.evaluate(RECORD, ["tab one", 40])
    second.evaluate(RECORD, ["tab two", 40])
    recorded = set(first.evaluate(RESULT)) | set(second.evaluate(RESULT))
    ids = first.evaluate("""async () => (await (await (await import('/js/db.js')).openDatabase()).getAll('outbox'))
                                         .filter((m) => !m.acked).map((m) => m.id)""")
    assert len(recorded) == 80 and len(ids) == len(set(ids)) == 80

    # Then both tabs ask to sync, many times, at the same moment: the server never sees two pushes at once.
    in_flight, most, pushes = 0, 0, []
    lock = threading.Lock()
    inner = app.wsgi_app

    def counting(environ, start_response):
        nonlocal in_flight, most
        is_push = environ["PATH_INFO"] == "/api/v1/sync/push"
        if is_push:
            with lock:
                in_flight += 1
                most = max(most, in_flight)
                pushes.append(1)
        try:
            return inner(environ, start_response)
        finally:
            if is_push:
                with lock:
                    in_flight -= 1

    app.wsgi_app = counting
    phone.set_offline(False)
    for _ in range(3):
        first.evaluate(SYNC_MANY, 10)
        second.evaluate(SYNC_MANY, 10)
        first.evaluate(RESULT), second.evaluate(RESULT)
    wait_synced(first)
    assert most == 1, f"{most} pushes were in flight at once"
    assert pending(first) == pending(second) == 0

    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        notes = db.session.scalars(select(InspectionDefect.note).where(InspectionDefect.id.in_([uuid.UUID(r) for r in recorded]))).all()
    assert sorted(notes) == sorted([f"tab one {n}" for n in range(40)] + [f"tab two {n}" for n in range(40)])
