"""The app keeps two pushes in flight (PROTOCOL.md 2.4.1): the next batch goes out before the answer to the one
before it, every change still arrives exactly once, and a push whose answer is lost takes the one behind it down
with it, to be sent again, never lost.

Each test asks for live_app before phone, so the browser context closes before the server stops.
"""

from __future__ import annotations

import gzip
import json
import time

import world
from helpers import login, pending, wait_synced
from sqlalchemy import func, select

BATCH = 2000  # the app's PUSH_BATCH
CHANGES = 2 * BATCH + 300  # three pushes

RECORD_BURST = """async ([inspectionId, defectTypeId, count, label]) => {
    const db = await import('/js/db.js');
    const changes = [];
    for (let n = 0; n < count; n += 1) {
        changes.push(db.upsertChange('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
            severity: 'minor', note: `${label} ${n}` }));
    }
    await db.batch(changes);
}"""


def _record_offline(phone, page, label: str) -> None:
    phone.set_offline(True)
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), CHANGES, label])
    phone.set_offline(False)


def _notes(app, label: str) -> list[str]:
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        notes = list(db.session.scalars(select(InspectionDefect.note).where(InspectionDefect.note.like(f"{label} %"))))
        db.session.remove()
    return notes


def _last_mutation_id(app) -> int:
    from server.extensions import db
    from server.models import SyncClient

    with app.app_context():
        last = db.session.scalar(select(func.max(SyncClient.last_mutation_id)))
        db.session.remove()
    return last


def _first_ids(request) -> int:
    return json.loads(gzip.decompress(request.post_data_buffer))["mutations"][0]["id"]


def test_the_next_push_goes_out_before_the_answer_to_the_one_before_it(live_app, phone):
    base, app = live_app
    app.config["PUSH_GAP_WAIT_SECONDS"] = 30  # a push overtaken on the way waits for the one before it
    page = phone.new_page()
    login(page, base)
    sent: list[int] = []

    def hold_the_first_answer(route):
        first = _first_ids(route.request)
        sent.append(first)
        response = route.fetch()
        if first == 1:
            # The answer to the first push is held until the second push is out (10 s at most): an app that waited
            # for it before sending the next would send the second only after, and fail below.
            deadline = time.monotonic() + 10
            while BATCH + 1 not in sent and time.monotonic() < deadline:
                page.wait_for_timeout(20)  # lets Playwright handle the second push's route meanwhile
        sent.append(-first)  # answered
        route.fulfill(response=response)

    page.route("**/api/v1/sync/push", hold_the_first_answer)
    _record_offline(phone, page, "piped")
    wait_synced(page)
    assert sorted(_notes(app, "piped")) == sorted(f"piped {n}" for n in range(CHANGES))  # each once
    assert [first for first in sent if first > 0] == [1, BATCH + 1, 2 * BATCH + 1], sent
    assert sent.index(BATCH + 1) < sent.index(-1), sent  # the second went out before the first was answered
    assert _last_mutation_id(app) == CHANGES


def test_a_lost_answer_takes_the_push_behind_it_down_and_nothing_is_lost_or_doubled(live_app, phone):
    base, app = live_app
    app.config["PUSH_GAP_WAIT_SECONDS"] = 30
    page = phone.new_page()
    login(page, base)
    answers: list[tuple[int, list[str]]] = []  # (first mutation id, statuses) of each push, as the server answered

    def lose_the_first_answer(route):
        response = route.fetch()  # the server applies the batch...
        first = _first_ids(route.request)
        answers.append((first, [r["status"] for r in response.json()["results"]]))
        if first == 1 and [f for f, _statuses in answers].count(1) == 1:
            route.abort("connectionreset")  # ...and the answer to the first push's first sending never arrives
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/sync/push", lose_the_first_answer)
    _record_offline(phone, page, "lost")  # coming back online starts a sync; the first answer of it is lost
    wait_synced(page)
    assert sorted(_notes(app, "lost")) == sorted(f"lost {n}" for n in range(CHANGES))  # each once
    assert pending(page) == 0 and _last_mutation_id(app) == CHANGES
    # The push behind the lost one was applied, but its answer was not taken: the next pass sent both again,
    # and the server answered them as duplicates (PROTOCOL.md 2.3). Answers of pushes in flight together may come
    # back in either order, so they are compared push by push.
    by_push: dict[int, list[list[str]]] = {}
    for first, statuses in answers:
        by_push.setdefault(first, []).append(statuses)
    assert sorted(by_push) == [1, BATCH + 1, 2 * BATCH + 1], answers
    assert by_push[1] == by_push[BATCH + 1] == [["applied"] * BATCH, ["duplicate"] * BATCH]
    assert by_push[2 * BATCH + 1] == [["applied"] * (CHANGES - 2 * BATCH)]
