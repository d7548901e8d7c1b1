"""Progressive web app benchmark: shell size, offline start, tap latency, outbox commits, sync bytes.

    .venv/bin/python bench/pwa_bench.py [--reloads 15] [--taps 30] [--commits 50] [--defects 10] [--photos 10]
                                        [--cpu-slowdown 4] [--verbose] [--headed]

Builds a throwaway app (SQLite in a temp dir, migrated, with the demo data of
``server.seed.demo``), serves it on a loopback port and drives Debian's
Chromium (a Pixel-7-like context with service workers, one tab at a time)
through the app as ``inspector@`` uses it. Takes under a minute at the
defaults, most of it making the 12 MP photos. Prints:

1. the app shell's compressed size: every URL the service worker precaches,
   gzip level 6 (and brotli when the ``brotli`` module is installed), against
   the aim of 150 KB;
2. reload to a usable "My inspections" list, offline against online;
3. tap to count on screen on the tally, against one 60 Hz frame;
4. one tap's strict outbox commit (``db.upsert``) against a bare strict
   IndexedDB put of a record of the same size;
5. the bytes on the wire to sync an inspection with ``--defects`` defects and
   ``--photos`` phone photos, and what that takes at 2G speed (``--verbose``
   lists every request).

``--cpu-slowdown 4`` applies DevTools' CPU throttling to every page, for
figures nearer a mid-range phone than this machine.

Like the other benchmarks it prints figures and ratios against baselines
measured in the same run; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # after the path set-up above

from server import create_app
from server.extensions import db
from server.models import Inspection, User
from server.services import changes

try:  # optional: brotli is what a CDN would most likely send, but the package is not a dependency
    import brotli
except ImportError:
    brotli = None

CHROMIUM = "/usr/bin/chromium"
# As in tests/browser/conftest.py: keep Chromium from reaching out to the network, which is closed here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Playwright's "Pixel 7" descriptor (as in tests/browser/conftest.py), with service workers allowed.
PIXEL_7 = {
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36",
    "viewport": {"width": 412, "height": 839},
    "device_scale_factor": 2.625,
    "is_mobile": True,
    "has_touch": True,
    "service_workers": "allow",
}
SHELL_AIM_KB = 150
FRAME_MS = 1000 / 60
TWO_G_BITS_PER_S = 250_000
KB = 1024
INSPECTOR = "inspector@seamline.example"


# --- the app under test ------------------------------------------------------------------------------------


def build_app(workdir: Path):
    """A migrated SQLite app with the demo data, and two of the inspector's planned inspections started.

    The inspections are started on the server (as if started and synced earlier) rather than through the
    set-up screen, so the benchmark depends on as little of the UI as possible: only the tally.
    """
    from flask_migrate import upgrade

    from server.seed.demo import seed_demo

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
                      "PHOTO_DIR": str(workdir / "photos")})
    with app.app_context():
        upgrade()
        seed_demo()
        inspector = db.session.scalar(select(User).where(User.email == INSPECTOR))
        planned = db.session.scalars(select(Inspection).where(
            Inspection.inspector_id == inspector.id, Inspection.status == "planned")
            .order_by(Inspection.planned_date, Inspection.id).limit(2)).all()
        assert len(planned) == 2, "the demo data should plan at least two inspections for the inspector"
        with changes.recording(None, "seed"):
            for inspection in planned:
                inspection.status = "in_progress"
                inspection.started_at = datetime.now(UTC)
        ids = [str(inspection.id) for inspection in planned]
        db.session.remove()
    return app, ids


@contextmanager
def serving(app):
    """The app on a free loopback port, as the browser tests serve it."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the figures
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# --- 1. the shell ------------------------------------------------------------------------------------------


def shell_size(base: str) -> None:
    """Fetch exactly what the service worker precaches (the list the server writes into /sw.js) and compress it."""
    sw = urllib.request.urlopen(base + "/sw.js").read()
    urls = json.loads(re.search(rb"const SHELL = (\[.*?\]);", sw, re.S).group(1))
    rows = []
    for url in urls + ["/sw.js"]:
        body = urllib.request.urlopen(base + url).read()
        rows.append((url, len(body), len(gzip.compress(body, compresslevel=6)),
                     len(brotli.compress(body)) if brotli else None))
    shell = rows[:-1]
    raw, gz = sum(r[1] for r in shell), sum(r[2] for r in shell)
    print(f"\n1. app shell: {len(shell)} precached URLs (+ /sw.js itself), largest compressed first:")
    for url, size, zipped, _br in sorted(rows, key=lambda r: -r[2])[:6]:
        print(f"   {url:<32} {size / KB:6.1f} KB raw  {zipped / KB:6.1f} KB gzip")
    print(f"   precache total: {raw / KB:.1f} KB raw (as served today, uncompressed) | "
          f"{gz / KB:.1f} KB gzip-6 | ratio to the {SHELL_AIM_KB} KB aim: {gz / KB / SHELL_AIM_KB:.2f}")
    if brotli:
        br = sum(r[3] for r in shell)
        print(f"   brotli (quality 11): {br / KB:.1f} KB | ratio to the aim: {br / KB / SHELL_AIM_KB:.2f}")
    else:
        print("   brotli: skipped (module not installed)")
    # '/' and '/index.html' are the same file, but the service worker fetches both, so both count.
    print(f"   plus /sw.js itself: {rows[-1][2] / KB:.1f} KB gzip (HTTP headers not counted)")


# --- driving the app ---------------------------------------------------------------------------------------


class Phone:
    """A Pixel-7-like browser context with the app's origin; one tab at a time, as on the phone (a second
    tab's sync loop would compete for the sync lock and muddle the figures)."""

    def __init__(self, browser, base: str, cpu_slowdown: float):
        self.context = browser.new_context(**PIXEL_7)
        self.base = base
        self.cpu_slowdown = cpu_slowdown
        self.errors: list[str] = []

    def open(self, path: str = "/"):
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        if self.cpu_slowdown > 1:  # DevTools' CPU throttling, for a phone slower than this machine
            self.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": self.cpu_slowdown})
        page.goto(self.base + path)
        return page

    def offline(self, offline: bool) -> None:
        self.context.set_offline(offline)


def wait_until(page, predicate_js: str, timeout: float = 30.0, arg=None):
    """Poll a JS predicate with page.evaluate: the app's CSP (no eval) rules out wait_for_function."""
    deadline = time.monotonic() + timeout
    while not (value := page.evaluate(predicate_js, arg)):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate_js}")
        time.sleep(0.02)
    return value


SYNC_IDLE_JS = """async (since) => {
    const sync = await import('/js/sync.js');
    const db = await import('/js/db.js');
    const s = sync.status();
    const c = await db.pendingCounts();
    return !s.running && !s.error && s.lastSuccess !== null && s.lastSuccess > (since || '')
        && c.mutations + c.photos === 0;
}"""


def wait_sync_idle(page, since: str | None = None, timeout: float = 60.0) -> None:
    """Until a sync that started after ``since`` (ISO time) finished cleanly with nothing left to send."""
    wait_until(page, SYNC_IDLE_JS, timeout, since)


def login(phone: Phone):
    """The inspector's first, online, visit; returns the page once its first full sync is done."""
    page = phone.open("/")
    page.fill("#email", INSPECTOR)
    page.fill("#password", "seamline-demo")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=inspection-link]", timeout=60_000)
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    wait_sync_idle(page)  # the first full pull of the inspector's factories
    return page


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- 2. reload to a usable list ----------------------------------------------------------------------------

# Installed before the app's scripts run on every load of this page: notes performance.now() (milliseconds
# since the navigation started, the Navigation Timing origin) when the first inspection link is in the DOM.
LIST_MARK_JS = """(() => {
  const seen = () => {
    if (!document.querySelector('[data-testid=inspection-link]')) return;
    window.__benchListAt = performance.now();
    observer.disconnect();
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, { childList: true, subtree: true });
})();"""


def reload_times(page, reloads: int, online: bool) -> list[float]:
    times = []
    for _n in range(reloads + 1):  # the first is a warm-up
        page.reload()
        times.append(wait_until(page, "() => window.__benchListAt"))
        if online:
            wait_sync_idle(page, since=None)  # let the sync each start triggers finish before the next reload
    return times[1:]


def navigation(phone: Phone, page, reloads: int) -> None:
    page.add_init_script(LIST_MARK_JS)
    online = reload_times(page, reloads, online=True)
    phone.offline(True)
    offline = reload_times(page, reloads, online=False)
    phone.offline(False)
    page.close()
    on_med, on_p95 = summary(online)
    off_med, off_p95 = summary(offline)
    print(f"\n2. reload to a listed 'My inspections' (ms from navigation start, performance.now in the page; "
          f"{reloads} reloads each, service worker in control):")
    print(f"   offline: median {off_med:.0f} ms, p95 {off_p95:.0f} ms | online: median {on_med:.0f} ms, "
          f"p95 {on_p95:.0f} ms | ratio offline/online (median): {off_med / on_med:.2f}")


# --- 3. tap to count on screen -----------------------------------------------------------------------------

# From the click event to the first animation frame after the count element's text changed. The tally
# re-renders the whole screen, so the observer watches the body and re-finds the count element each time.
TAP_PROBE_JS = """(countSelector) => {
  const probe = { samples: [], pending: null };
  window.__tapProbe = probe;
  const count = () => document.querySelector(countSelector)?.textContent;
  document.addEventListener('click', (event) => {
    if (!event.target.closest('button.tally, [data-testid^="tally-"]')) return;
    probe.pending = { clickAt: event.timeStamp, before: count() };
  }, true);
  new MutationObserver(() => {
    const pending = probe.pending;
    if (!pending || count() === undefined || count() === pending.before) return;
    probe.pending = null;
    const changedAt = performance.now();
    requestAnimationFrame(() => probe.samples.push({
      frame: performance.now() - pending.clickAt, dom: changedAt - pending.clickAt }));
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


def tally_button(page, severity: str) -> str:
    """The test id of the first (most used) defect type's button for a severity."""
    return page.evaluate("""(severity) => {
        const button = document.querySelector(`button.tally.${severity}[data-testid^="tally-"]`)
            || document.querySelector(`[data-testid^="tally-"][data-testid$="-${severity}"]`);
        return button?.dataset.testid;
    }""", severity)


def open_tally(phone: Phone, inspection_id: str):
    page = phone.open(f"/#/inspection/{inspection_id}")
    page.wait_for_selector("[data-testid=count-major]")
    return page


def tap_to_count(page, taps: int) -> None:
    testid = tally_button(page, "major")
    page.evaluate(TAP_PROBE_JS, "[data-testid=count-major]")
    for n in range(taps + 1):  # the first is a warm-up
        page.tap(f"[data-testid={testid}]")
        wait_until(page, "(n) => window.__tapProbe.samples.length === n", arg=n + 1)
    samples = page.evaluate("() => window.__tapProbe.samples")[1:]
    frame_med, frame_p95 = summary([s["frame"] for s in samples])
    dom_med, _ = summary([s["dom"] for s in samples])
    print(f"\n3. tap to count on screen (offline, {taps} taps on {testid}; click event timeStamp to the next "
          "requestAnimationFrame after the count changed):")
    print(f"   median {frame_med:.1f} ms, p95 {frame_p95:.1f} ms (count in the DOM after {dom_med:.1f} ms) | "
          f"ratio to one 60 Hz frame ({FRAME_MS:.1f} ms): median {frame_med / FRAME_MS:.2f}, "
          f"p95 {frame_p95 / FRAME_MS:.2f}")


# --- 4. strict outbox commit against a bare strict put ------------------------------------------------------

# Interleaved one by one so both see the same state of the machine. The bare put writes a copy of the
# outbox row the app just wrote (same JSON, other key) into a scratch database, so the sizes match.
COMMIT_JS = """async ({ n, inspectionId }) => {
  const db = await import('/js/db.js');
  const local = await db.openDatabase();
  const defectType = [...(await db.records('defect_type')).keys()][0];
  const fields = { inspection_id: inspectionId, defect_type_id: defectType, severity: 'minor', note: 'bench' };
  const scratch = await new Promise((resolve, reject) => {
    const open = indexedDB.open('pwa-bench-scratch', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('rows', { keyPath: 'id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const barePut = (row) => new Promise((resolve, reject) => {
    const tx = scratch.transaction('rows', 'readwrite', { durability: 'strict' });
    tx.objectStore('rows').put(row);
    tx.oncomplete = resolve;
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
  const upsert = [], bare = [];
  let bytes = 0;
  for (let i = 0; i <= n; i += 1) {  // i = 0 warms up both
    let start = performance.now();
    const recordId = await db.upsert('inspection_defect', { ...fields });
    const took = performance.now() - start;
    const outboxRow = (await local.getAll('outbox')).filter((m) => m.record_id === recordId).at(-1);
    const copy = { ...outboxRow, id: `bench-${i}` };
    bytes = JSON.stringify(outboxRow).length;
    start = performance.now();
    await barePut(copy);
    if (i > 0) { upsert.push(took); bare.push(performance.now() - start); }
  }
  scratch.close();
  indexedDB.deleteDatabase('pwa-bench-scratch');
  return { upsert, bare, bytes };
}"""


def outbox_commits(page, commits: int, inspection_id: str) -> None:
    result = page.evaluate(COMMIT_JS, {"n": commits, "inspectionId": inspection_id})
    upsert_med, upsert_p95 = summary(result["upsert"])
    bare_med, bare_p95 = summary(result["bare"])
    print(f"\n4. one tap's strict commit (offline, {commits} each, interleaved; outbox row of {result['bytes']} "
          "bytes as JSON):")
    print(f"   db.upsert (meta+replica+outbox, strict): median {upsert_med:.2f} ms, p95 {upsert_p95:.2f} ms | "
          f"bare strict put of the same row: median {bare_med:.2f} ms, p95 {bare_p95:.2f} ms | "
          f"ratio (median): {upsert_med / bare_med:.2f}")


# --- 5. bytes on the wire for one inspection's sync --------------------------------------------------------


def phone_photos(workdir: Path, count: int) -> list[Path]:
    """12 MP camera-like JPEGs (gradient, shapes, noise, phone EXIF), as bench/photo_bench.py makes them."""
    from photo_bench import camera_like_jpeg  # bench/ is on sys.path when this file runs as a script

    paths = []
    for index in range(count):
        path = workdir / f"phone-{index}.jpg"
        path.write_bytes(camera_like_jpeg(index))
        paths.append(path)
    return paths


def record_inspection(page, defects: int, photos: list[Path]) -> int:
    """Tap the defects in and take the photos through the app's camera inputs (resized in the browser).

    One photo after each defect (attached to it), any left over as inspection photos. Returns the bytes of
    the resized photos kept on the phone.
    """
    testid = tally_button(page, "major")
    thumbs = page.locator("[data-testid=thumb]").count()
    for n in range(max(defects, len(photos))):
        if n < defects:
            page.tap(f"[data-testid={testid}]")
            wait_until(page, "(n) => document.querySelector('[data-testid=count-major]')?.textContent === String(n)",
                       arg=n + 1)
        if n < len(photos):
            camera = "photo-defect" if n < defects else "photo-inspection"
            page.set_input_files(f"[data-testid={camera}]", str(photos[n]))
            thumbs += 1
            wait_until(page, "(n) => document.querySelectorAll('[data-testid=thumb]').length === n", arg=thumbs)
    return page.evaluate("""async () => {
        const db = await (await import('/js/db.js')).openDatabase();
        return (await db.getAll('photos')).filter((p) => p.state === 'waiting')
            .reduce((sum, p) => sum + p.data.byteLength, 0);
    }""")


def kind_of(request) -> str:
    path = request.url.split("?", 1)[0]
    if path.endswith("/api/v1/sync/push"):
        return "push"
    if "/api/v1/photos/" in path:
        return "photo upload"
    if path.endswith("/api/v1/sync/pull"):
        return "pull"
    return "other"


def sync_traffic(phone: Phone, page) -> list:
    """Every /api/v1 request from going online until the app's sync is done and the line has been quiet 2 s."""
    seen = []

    def on_request(request):
        if "/api/v1/" in request.url:
            seen.append(request)

    phone.context.on("requestfinished", on_request)
    phone.context.on("requestfailed", on_request)
    since = page.evaluate("() => new Date().toISOString()")
    phone.offline(False)  # the page's 'online' event starts a sync, as it does on the factory floor
    page.wait_for_timeout(3000)
    if not page.evaluate("async () => (await import('/js/sync.js')).status().running") and not seen:
        page.evaluate("async () => { (await import('/js/sync.js')).syncNow(); }")  # no online event: start it
    wait_sync_idle(page, since, timeout=120)
    quiet_since, count = time.monotonic(), len(seen)
    while time.monotonic() - quiet_since < 2:  # a second trigger (Background Sync, the timer) would show here
        page.wait_for_timeout(100)
        if len(seen) != count:
            quiet_since, count = time.monotonic(), len(seen)
    phone.context.remove_listener("requestfinished", on_request)
    phone.context.remove_listener("requestfailed", on_request)
    return seen


def request_bytes(request) -> tuple[int, int]:
    """(sent, received) on the wire, headers included, from Chromium's own accounting."""
    try:
        sizes = request.sizes()
        return (sizes["requestHeadersSize"] + sizes["requestBodySize"],
                sizes["responseHeadersSize"] + sizes["responseBodySize"])
    except Exception:  # a failed request has no sizes: count what was sent
        sent = len(request.post_data_buffer or b"") + sum(len(k) + len(v) + 4 for k, v in request.headers.items())
        return sent, 0


def json_answers(requests) -> tuple[int, int, set[str]]:
    """The JSON answers' bodies as received, gzip-6 compressed, and the Content-Encodings they came with."""
    received = zipped = 0
    encodings = set()
    for request in requests:
        response = None if request.failure else request.response()
        if response and "json" in response.headers.get("content-type", ""):
            body = response.body()
            received, zipped = received + len(body), zipped + len(gzip.compress(body, compresslevel=6))
            encodings.add(response.headers.get("content-encoding", "none"))
    return received, zipped, encodings


def sync_bytes(phone: Phone, inspection_id: str, defects: int, photo_paths: list[Path],
               verbose: bool = False) -> None:
    phone.offline(True)
    page = open_tally(phone, inspection_id)
    photo_bytes = record_inspection(page, defects, photo_paths)
    pending = page.evaluate("async () => (await import('/js/db.js')).pendingCounts()")
    requests = sync_traffic(phone, page)
    measured = [(request, *request_bytes(request)) for request in requests]  # sizes need the page still open
    answers = json_answers(requests)
    page.close()

    print(f"\n5. sync of one inspection: {defects} defects, {len(photo_paths)} photos (4000x3000 JPEGs of "
          f"{sum(p.stat().st_size for p in photo_paths) / len(photo_paths) / 1e6:.1f} MB resized in the browser "
          f"to {photo_bytes / len(photo_paths) / KB:.0f} KB each); outbox held {pending['mutations']} mutations "
          f"and {pending['photos']} photos; bytes on the wire, headers included, 2G = {TWO_G_BITS_PER_S // 1000} "
          "kbit/s with no latency:")
    totals: dict[str, list[int]] = {}
    for request, sent, received in measured:
        if verbose:
            print(f"     {request.method:<5} {request.url.split('/api/v1', 1)[1][:64]:<64} "
                  f"up {sent:9,d}  down {received:7,d}  {request.failure or ''}")
        row = totals.setdefault(kind_of(request), [0, 0, 0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + sent, row[2] + received
    total = [0, 0, 0]
    for kind in ("push", "photo upload", "pull", "other"):
        if kind not in totals:
            continue
        n, sent, received = totals[kind]
        total = [total[0] + n, total[1] + sent, total[2] + received]
        print(f"   {kind:<13} {n:3d} requests  up {sent / KB:8.1f} KB  down {received / KB:7.1f} KB  "
              f"-> {(sent + received) * 8 / TWO_G_BITS_PER_S:6.1f} s at 2G")
    n, sent, received = total
    print(f"   {'total':<13} {n:3d} requests  up {sent / KB:8.1f} KB  down {received / KB:7.1f} KB  "
          f"-> {(sent + received) * 8 / TWO_G_BITS_PER_S:6.1f} s at 2G (each request also waits a round trip, "
          "~0.5-1 s on real 2G)")
    if photo_bytes:
        uploaded = totals.get("photo upload", [0, 0, 0])[1]
        print(f"   photo upload bytes / resized photo bytes: {uploaded / photo_bytes:.3f}")
    received, zipped, encodings = answers
    if received:
        print(f"   JSON answer bodies: {received / KB:.1f} KB received "
              f"(Content-Encoding: {', '.join(sorted(encodings))}) | {zipped / KB:.1f} KB if gzip-6 | "
              f"ratio {zipped / received:.2f}")


# --- the run -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=15, help="reloads online and offline (default 15)")
    parser.add_argument("--taps", type=int, default=30, help="tally taps timed (default 30)")
    parser.add_argument("--commits", type=int, default=50, help="outbox commits and bare puts timed (default 50)")
    parser.add_argument("--defects", type=int, default=10, help="defects in the synced inspection (default 10)")
    parser.add_argument("--photos", type=int, default=10, help="photos in the synced inspection (default 10)")
    parser.add_argument("--cpu-slowdown", type=float, default=1,
                        help="CPU throttling rate in the pages, e.g. 4 for a mid-range phone (default 1: none)")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument("--verbose", action="store_true", help="list every request of the measured sync")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="seamline-pwa-bench-"))
    started = time.perf_counter()
    app, (tally_inspection, synced_inspection) = build_app(workdir)
    photos = phone_photos(workdir, args.photos)
    print(f"app built (demo data) and {len(photos)} phone photos made in {time.perf_counter() - started:.1f} s; "
          f"work dir {workdir}")

    with serving(app) as base, sync_playwright() as playwright:
        shell_size(base)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=not args.headed, args=CHROMIUM_ARGS)
        phone = Phone(browser, base, args.cpu_slowdown)
        if args.cpu_slowdown > 1:
            print(f"\n(CPU slowed down {args.cpu_slowdown:g}x in every page)")
        navigation(phone, login(phone), args.reloads)

        # The floor has no signal: taps and commits are measured offline, then synced away before step 5.
        phone.offline(True)
        page = open_tally(phone, tally_inspection)
        tap_to_count(page, args.taps)
        outbox_commits(page, args.commits, tally_inspection)
        phone.offline(False)
        page.evaluate("async () => { (await import('/js/sync.js')).syncNow(); }")
        wait_sync_idle(page, timeout=120)
        page.close()

        sync_bytes(phone, synced_inspection, args.defects, photos, args.verbose)
        if phone.errors:
            print(f"\npage errors during the run: {phone.errors}")
        browser.close()
    print(f"\ndone in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
