"""The sync loop under bad networks, service-worker updates and several tabs, in Chromium.

Each test asks for live_app before phone, so the browser context closes before the server stops.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter

import world
from helpers import login, make_photo, pending, sync_pass, wait_synced, wait_until
from sqlalchemy import func, select

# The failure pattern of the first test; set SEAMLINE_CHAOS_SEED to try (or replay) another one.
CHAOS_SEED = int(os.environ.get("SEAMLINE_CHAOS_SEED", "20260514"))

RECORD_DEFECTS = """async ([inspectionId, defectTypeId, count, label]) => {
    const db = await import('/js/db.js');
    const ids = [];
    for (let n = 0; n < count; n += 1) {
        ids.push(await db.upsert('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
            severity: ['minor', 'major', 'critical'][n % 3], note: `${label} ${n}` }));
    }
    return ids;
}"""

OUTBOX = """async () => {
    const db = await (await import('/js/db.js')).openDatabase();
    const through = (await db.get('meta', 'acked_through'))?.value ?? 0;
    return (await db.getAll('outbox')).map((m) => ({ id: m.id, entity: m.entity, record_id: m.record_id,
                                                    acked: m.id <= through }));
}"""

LOCAL_PHOTOS = """async () => {
    const db = await (await import('/js/db.js')).openDatabase();
    return (await db.getAll('photos')).map((p) => ({ sha256: p.sha256, state: p.state }));
}"""


# --- what the server holds ----------------------------------------------------------------------------------


def _server_defect_ids(app) -> list[str]:
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        return [str(i) for i in db.session.scalars(select(InspectionDefect.id).where(
            InspectionDefect.inspection_id == world.INSPECTION_A, InspectionDefect.deleted_at.is_(None)))]


def _server_photos(app) -> list[tuple[str, str]]:
    """(sha256, storage state) of every photo record of inspection A but the world's own."""
    from server.extensions import db
    from server.models import Photo
    from server.services.photos import storage

    with app.app_context():
        rows = db.session.scalars(select(Photo).where(Photo.inspection_id == world.INSPECTION_A,
                                                      Photo.sha256 != "cd" * 32)).all()
        assert all(storage().exists(r.sha256 + ".orig") for r in rows if r.storage_state == "stored")
        return sorted((r.sha256, r.storage_state) for r in rows)


def _server_footprint(app) -> tuple[int, int]:
    """(change counter, audit entries): both grow with anything the server records."""
    from server.extensions import db
    from server.models import AuditEntry, SyncState

    with app.app_context():
        return (db.session.get(SyncState, 1).change_counter,
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def _rejections(app) -> list:
    from server.extensions import db
    from server.models import SyncRejection

    with app.app_context():
        return [(r.mutation_id, r.code) for r in db.session.scalars(select(SyncRejection))]


# --- 1. failures in the middle of a sync ----------------------------------------------------------------------


def _kind(request) -> str:
    path = request.url.split("/api/v1/", 1)[1].split("?", 1)[0]
    if path == "sync/push":
        return "push"
    if path == "sync/pull":
        return "pull"
    if path.startswith("photos/") and request.method in ("PATCH", "HEAD"):
        return request.method.lower()
    return "other"


class Chaos:
    """Fails API requests in a pattern drawn from a seeded generator (one per kind of request, so a stray
    request of one kind never shifts the pattern of another).

    Fates: "pass"; "before" (the request never reaches the server); "after" (the server handles it, the
    answer is lost); "cut" (a photo chunk breaks off halfway: the server keeps the first half, the answer
    is lost). The first requests of each kind get the fates in FIRST, so every fate happens whatever the seed.
    """

    ODDS = {"push": {"after": 0.25, "before": 0.1}, "pull": {"after": 0.25, "before": 0.15},
            "patch": {"after": 0.15, "cut": 0.1, "before": 0.1}, "head": {"before": 0.1},
            "other": {"before": 0.05}}
    FIRST = {"push": ["after"], "pull": ["before", "after"], "patch": ["after", "cut", "before"]}

    def __init__(self, seed: int):
        self.rngs = {kind: random.Random(f"{seed}:{kind}") for kind in self.ODDS}
        self.first = {kind: list(fates) for kind, fates in self.FIRST.items()}
        self.on = True
        self.fates: Counter = Counter()
        self.push_results: Counter = Counter()

    def fate(self, kind: str) -> str:
        if not self.on:
            return "pass"
        if self.first.get(kind):
            return self.first[kind].pop(0)
        draw, edge = self.rngs[kind].random(), 0.0
        for fate, odds in self.ODDS[kind].items():
            edge += odds
            if draw < edge:
                return fate
        return "pass"

    def __call__(self, route) -> None:
        request = route.request
        kind = _kind(request)
        fate = self.fate(kind)
        self.fates[kind, fate] += 1
        if fate == "before":
            route.abort("connectionreset")
            return
        if fate == "cut":
            body = request.post_data_buffer
            response = route.fetch(post_data=body[: len(body) // 2])
        else:
            response = route.fetch()
        if kind == "push" and response.ok:
            self.push_results.update(r["status"] for r in response.json()["results"])
        if fate == "pass":
            route.fulfill(response=response)
        else:
            route.abort("connectionreset")


def test_network_failures_mid_sync_lose_and_duplicate_nothing(live_app, phone, tmp_path):
    base, app = live_app
    print(f"chaos seed {CHAOS_SEED} (SEAMLINE_CHAOS_SEED replays it)")
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, base)
    defects_before = set(_server_defect_ids(app))

    # An inspection's worth of changes, offline: 30 defects, then 2 photos through the camera inputs.
    phone.set_offline(True)
    recorded = page.evaluate(RECORD_DEFECTS, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 30, "chaos"])
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=photo-defect]")
    thumbs = page.locator("[data-testid=thumb]").count()
    for n, (testid, size) in enumerate([("photo-defect", (2400, 1600)), ("photo-inspection", (1200, 1600))]):
        page.set_input_files(f"[data-testid={testid}]", str(make_photo(tmp_path / f"chaos{n}.jpg", size, n)))
        wait_until(page, f"() => document.querySelectorAll('[data-testid=thumb]').length === {thumbs + n + 1}")
    local_photos = page.evaluate(LOCAL_PHOTOS)
    hashes = sorted(p["sha256"] for p in local_photos)
    assert len(hashes) == 2 and pending(page) == 30 + 2 + 2  # 32 mutations, 2 photos' bytes

    # Back online, through a network that drops requests: several passes of the sync loop.
    chaos = Chaos(CHAOS_SEED)
    page.route("**/api/v1/**", chaos)
    phone.set_offline(False)  # the app starts a pass by itself; sync_pass waits for it
    # The inspector goes on working meanwhile: a few more defects before some of the passes.
    # At least 16 passes, and more (up to 40) until every fate in Chaos.FIRST has happened.
    more = random.Random(f"{CHAOS_SEED}:more")
    outcomes = []
    while len(outcomes) < 16 or (any(chaos.first.values()) and len(outcomes) < 40):
        recorded += page.evaluate(RECORD_DEFECTS, [str(world.INSPECTION_A), str(world.DEFECT_TYPE),
                                                   more.choice([0, 0, 1, 3]), f"pass {len(outcomes)}"])
        outcomes.append(sync_pass(page))
    print(f"{len(outcomes)} passes, {sum(1 for o in outcomes if o)} failed")
    assert any(outcomes), "the network never failed a pass"
    for kind, fates in Chaos.FIRST.items():
        for fate in fates:
            assert chaos.fates[kind, fate], f"no {kind} request met fate {fate!r}: {dict(chaos.fates)}"

    chaos.on = False
    wait_synced(page)
    print(f"failures: {sorted((k, f, n) for (k, f), n in chaos.fates.items() if f != 'pass')}")
    print(f"push results: {dict(chaos.push_results)}")

    # Every defect exactly once, the photos' bytes hash for hash, nothing refused, nothing left to send.
    on_server = _server_defect_ids(app)
    assert len(on_server) == len(defects_before) + len(recorded)
    assert set(on_server) - defects_before == set(recorded)
    assert _server_photos(app) == [(sha, "stored") for sha in hashes]
    assert _rejections(app) == []
    assert chaos.push_results["duplicate"] > 0  # an acknowledgement was lost and the resend was recognised
    outbox = page.evaluate(OUTBOX)
    assert sorted(m["id"] for m in outbox) == list(range(1, len(recorded) + 3))
    assert all(m["acked"] for m in outbox)
    assert all(p["state"] == "uploaded" for p in page.evaluate(LOCAL_PHOTOS))
    assert pending(page) == 0

    # One more pass sends nothing and the server records nothing.
    footprint = _server_footprint(app)
    results = sum(chaos.push_results.values())
    assert sync_pass(page) is None
    assert _server_footprint(app) == footprint
    assert sum(chaos.push_results.values()) == results
    assert len(_server_defect_ids(app)) == len(defects_before) + len(recorded)
    assert errors == []
    page.unroute_all(behavior="ignoreErrors")


# --- 2. a new service worker while changes wait ------------------------------------------------------------------


def _count(page, severity: str) -> str:
    return page.evaluate(f"() => document.querySelector('[data-testid=count-{severity}]')?.textContent")


def _new_shell_version(page, monkeypatch, version):
    """The server serves a new shell version; the browser checks for it (as it does on its own on a navigation)
    and installs the new service worker, which the page offers as an update."""
    from server import pwa_routes

    monkeypatch.setattr(pwa_routes, "shell_version", lambda: version)
    page.evaluate("() => { window.beforeUpdate = true; }")  # gone once the page reloads
    page.evaluate("async () => { await (await navigator.serviceWorker.getRegistration()).update(); }")
    page.wait_for_selector("#update-banner:not([hidden]) button")


def _check_updated(page, version, waiting, photos):
    """The page reloaded under the new service worker, only the new shell cache is left, and every change
    recorded before the update still waits in IndexedDB, untouched."""
    wait_until(page, "() => window.beforeUpdate === undefined && document.documentElement.dataset.ready === 'true'")
    page.wait_for_selector("[data-testid=inspection-link]")
    assert page.evaluate("async () => await caches.keys()") == [f"seamline-shell-{version}"]
    assert page.is_hidden("#update-banner")
    assert page.evaluate(OUTBOX) == waiting
    assert page.evaluate(LOCAL_PHOTOS) == photos


def test_service_worker_update_keeps_waiting_changes_and_syncs_them_once(live_app, phone, tmp_path, monkeypatch):
    from server import pwa_routes

    base, app = live_app
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, base)
    old_caches = page.evaluate("async () => await caches.keys()")
    assert old_caches == [f"seamline-shell-{pwa_routes.shell_version()}"]
    assert page.is_hidden("#update-banner")  # the first install is no update
    defects_before = set(_server_defect_ids(app))

    # Offline, in the inspection: three defects and a photo.
    phone.set_offline(True)
    page.click(f"a[href='#/inspection/{world.INSPECTION_A}']")
    page.wait_for_selector("[data-testid=tally-WKM-001-minor]")
    start = int(_count(page, "minor"))
    for n in range(3):
        page.click("[data-testid=tally-WKM-001-minor]")
        wait_until(page, f"() => document.querySelector('[data-testid=count-minor]')?.textContent === '{start + n + 1}'")
    thumbs = page.locator("[data-testid=thumb]").count()
    page.set_input_files("[data-testid=photo-defect]", str(make_photo(tmp_path / "update.jpg", (1600, 1200), 7)))
    wait_until(page, f"() => document.querySelectorAll('[data-testid=thumb]').length === {thumbs + 1}")
    waiting = page.evaluate(OUTBOX)
    photos = page.evaluate(LOCAL_PHOTOS)
    assert len(waiting) == 4 and not any(m["acked"] for m in waiting) and [p["state"] for p in photos] == ["waiting"]

    # The network is back but the API is not (so nothing syncs), and the server now has a new shell version.
    page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    phone.set_offline(False)
    _new_shell_version(page, monkeypatch, "0123456789abcdef")

    # Asked for in the middle of the inspection, the update waits ...
    page.click("#update-banner button")
    wait_until(page, "() => !document.querySelector('#update-banner button')")
    assert page.evaluate("() => window.beforeUpdate === true && location.hash.startsWith('#/inspection/')")
    assert _count(page, "minor") == str(start + 3)
    # ... and installs once the inspector is back on the list.
    with page.expect_event("load"):  # the page reloads under the new service worker
        page.click("a[href='#/']")
    _check_updated(page, "0123456789abcdef", waiting, photos)

    # The next version, applied from the list straight away.
    _new_shell_version(page, monkeypatch, "fedcba9876543210")
    with page.expect_event("load"):
        page.click("#update-banner button")
    _check_updated(page, "fedcba9876543210", waiting, photos)

    # What was recorded before the updates then syncs, exactly once.
    assert set(_server_defect_ids(app)) == defects_before
    page.unroute_all(behavior="ignoreErrors")
    wait_synced(page)
    recorded = {m["record_id"] for m in waiting if m["entity"] == "inspection_defect"}
    on_server = _server_defect_ids(app)
    assert len(on_server) == len(defects_before) + 3 and set(on_server) - defects_before == recorded
    assert _server_photos(app) == [(photos[0]["sha256"], "stored")]
    assert _rejections(app) == []
    footprint = _server_footprint(app)
    assert sync_pass(page) is None
    assert _server_footprint(app) == footprint
    assert errors == []


# --- 3. two tabs, one sync loop ------------------------------------------------------------------------------------


class SyncRequests:
    """WSGI middleware around the live app: records every push and pull, how many were in flight at once, and
    which mutations each push carried. A push is held for a moment (SLOW_PUSH) so that an overlap, if the
    app ever allowed one, could not slip through unseen; pulls can be held until the test lets them go."""

    SLOW_PUSH = 0.05

    def __init__(self, app):
        self.inner = app.wsgi_app
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.pushes: list[dict] = []
        self.pulls = 0
        self.hold = None  # a threading.Event: pulls wait for it (the test sets it)
        self.holding = threading.Event()  # set while a pull waits for self.hold
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        import gzip
        import io
        import json
        import time

        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        kind = {("POST", "/api/v1/sync/push"): "push", ("GET", "/api/v1/sync/pull"): "pull"}.get((method, path))
        if kind is None:
            return self.inner(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            if kind == "push":
                gzipped = environ.get("HTTP_CONTENT_ENCODING") == "gzip"  # the app gzips its pushes
                payload = json.loads(gzip.decompress(body) if gzipped else body)
                self.pushes.append({"client_id": payload["client_id"], "ids": [m["id"] for m in payload["mutations"]]})
            else:
                self.pulls += 1
        try:
            if kind == "push":
                time.sleep(self.SLOW_PUSH)
            elif self.hold is not None:
                self.holding.set()
                self.hold.wait(60)  # the test lets it go; the limit only ends a failed test
            return [b"".join(self.inner(environ, start_response))]
        finally:
            with self.lock:
                self.in_flight -= 1


# Starts a job in the page and returns at once (so that two tabs can work at the same time); the job's
# outcome lands in window.job. When the signal comes (a BroadcastChannel message, which reaches every tab at
# once; no signal: at once) it records defects one by one, then, if asked, starts the app's sync loop the way
# its own triggers do. window.ready says the job listens for its signal.
START_JOB = """([signal, inspectionId, defectTypeId, count, label, sync]) => {
    window.job = null;
    window.ready = false;
    window.triggered = false;
    (async () => {
        const [db, loop] = await Promise.all([import('/js/db.js'), import('/js/sync.js')]);
        if (signal) {
            await new Promise((resolve) => {
                const channel = new BroadcastChannel('test-go');
                channel.onmessage = (event) => {
                    if (event.data !== signal) return;
                    channel.close();
                    resolve();
                };
                window.ready = true;
            });
        }
        const ids = [];
        for (let n = 0; n < count; n += 1) {
            ids.push(await db.upsert('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
                                                            severity: 'minor', note: `${label} ${n}` }));
        }
        if (!sync) return { ids };
        const started = Date.now();
        const pass = loop.syncNow();
        window.triggered = true;
        const ran = (await pass) !== null;
        return { ids, ran, started, ended: Date.now() };
    })().then((result) => { window.job = result; }, (error) => { window.job = { error: String(error) }; });
}"""


def _start(tab, signal, count, label, sync):
    tab.evaluate(START_JOB, [signal, str(world.INSPECTION_A), str(world.DEFECT_TYPE), count, label, sync])


def _outcome(tab):
    wait_until(tab, "() => window.job !== null")
    outcome = tab.evaluate("() => window.job")
    assert "error" not in outcome, outcome
    return outcome


def _both(tabs, count, label, sync):
    """Run the same job in every tab from the same moment; return each tab's outcome."""
    for n, tab in enumerate(tabs):
        _start(tab, label, count, f"{label} tab {n}", sync)
    for tab in tabs:
        wait_until(tab, "() => window.ready")
    # Heard by every tab's job, the sender's own included (another BroadcastChannel object in the same page).
    tabs[0].evaluate("(signal) => { const channel = new BroadcastChannel('test-go'); channel.postMessage(signal); "
                     "channel.close(); }", label)
    return [_outcome(tab) for tab in tabs]


OUTBOX_NOTES = """async () => {
    const db = await (await import('/js/db.js')).openDatabase();
    const through = (await db.get('meta', 'acked_through'))?.value ?? 0;
    return (await db.getAll('outbox')).sort((a, b) => a.id - b.id)
        .map((m) => ({ id: m.id, record_id: m.record_id, note: m.fields.note, acked: m.id <= through }));
}"""


def test_two_tabs_run_one_sync_loop_and_never_reuse_a_mutation_id(live_app, phone):
    base, app = live_app
    first = phone.new_page()
    login(first, base)
    second = phone.new_page()
    second.goto(base + "/")
    second.wait_for_selector("[data-testid=inspection-link]")
    tabs = [first, second]
    for tab in tabs:
        wait_until(tab, "() => document.documentElement.dataset.ready === 'true'")
    wait_synced(first)
    defects_before = set(_server_defect_ids(app))
    requests = SyncRequests(app)

    # Both tabs record at the same time: their changes interleave, and every one gets its own mutation id.
    [a, b] = _both(tabs, 25, "together", sync=False)
    outbox = first.evaluate(OUTBOX_NOTES)
    assert [m["id"] for m in outbox] == list(range(outbox[0]["id"], outbox[0]["id"] + 50))
    assert {m["record_id"] for m in outbox} == set(a["ids"]) | set(b["ids"]) and len(set(a["ids"] + b["ids"])) == 50
    writers = [m["note"].split(" tab ")[1][0] for m in outbox]
    switches = sum(1 for x, y in zip(writers, writers[1:], strict=False) if x != y)
    assert switches > 0, "the tabs did not record at the same time"
    recorded = a["ids"] + b["ids"]

    # Both tabs start the sync loop at the same moment, again and again, with new changes each time. Once both
    # have answered, nothing recorded before is left behind.
    together = 0
    for round_ in range(10):
        outcomes = _both(tabs, 2, f"round {round_}", sync=True)
        recorded += [i for o in outcomes for i in o["ids"]]
        together += max(o["started"] for o in outcomes) < min(o["ended"] for o in outcomes)
        assert pending(first) == 0, f"round {round_}: changes left waiting"
    assert together > 0, "the tabs never asked for a sync at the same time"

    # A change recorded in one tab while the other tab's pass is past its push (here: pulling) is not left
    # for the timer: the trigger that finds the loop busy queues one more pass.
    requests.hold = threading.Event()
    _start(first, None, 1, "busy tab 0", True)
    assert requests.holding.wait(45)
    _start(second, None, 1, "busy tab 1", True)
    wait_until(second, "() => window.triggered")
    requests.hold.set()
    outcomes = [_outcome(first), _outcome(second)]
    recorded += [i for o in outcomes for i in o["ids"]]
    assert pending(first) == 0, "the change recorded during the other tab's pass was left waiting"

    assert requests.most_in_flight == 1, "two sync requests were in flight at once"
    pushed = [i for push in requests.pushes for i in push["ids"]]
    outbox = first.evaluate(OUTBOX_NOTES)
    assert sorted(pushed) == [m["id"] for m in outbox], "a mutation was pushed twice, or never"
    assert all(m["acked"] for m in outbox) and len(outbox) == len(recorded) == 50 + 10 * 2 * 2 + 2
    assert len({push["client_id"] for push in requests.pushes}) == 1  # one installation, whatever the tab
    on_server = _server_defect_ids(app)
    assert len(on_server) == len(defects_before) + len(recorded)
    assert set(on_server) - defects_before == set(recorded)
    assert _rejections(app) == []
    print(f"{len(requests.pushes)} pushes, {requests.pulls} pulls; the tabs asked at once in {together} of 10 rounds")
