"""Helpers shared by the real-browser tests: log in, poll the page, run the app's sync loop."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

import world

ARTIFACTS = os.environ.get("SEAMLINE_ARTIFACTS", "test-artifacts")

# Playwright's "Pixel 7" descriptor, spelled out so the fixture needs no second Playwright instance.
PIXEL_7 = {
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36",
    "viewport": {"width": 412, "height": 839},
    "device_scale_factor": 2.625,
    "is_mobile": True,
    "has_touch": True,
}


def login(page, base, persona="inspector_a", home="[data-testid=inspection-link]"):
    """Log in as the persona and wait for its home screen (``home``: a selector on it) under the service worker."""
    page.goto(base + "/")
    page.fill("#email", world.PERSONAS[persona][0])
    page.fill("#password", world.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(home)
    try:
        wait_until(page, "() => navigator.serviceWorker.controller !== null", timeout=10)
    except AssertionError:
        # Seldom (about 1 run in 10 here) Chromium activates the first service worker without handing it the
        # open page; the next load is controlled, as it would be for a user opening the app again.
        page.reload()
        page.wait_for_selector(home)
        wait_until(page, "() => navigator.serviceWorker.controller !== null")


# The longest a state may take to come before a test fails: generous, since a loaded two-core machine running
# several suites at once is slow, and a wait that is met returns at once.
STATE_TIMEOUT = 45.0


def wait_until(page, predicate_js: str, timeout: float = STATE_TIMEOUT, arg=None) -> None:
    """Poll a JS predicate with page.evaluate: the app's CSP (no eval) rules out wait_for_function."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate_js, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate_js}")
        time.sleep(0.05)


def pending(page) -> int:
    """Mutations and photos waiting on this phone."""
    return page.evaluate("""async () => {
        const db = await import('/js/db.js');
        const counts = await db.pendingCounts();
        return counts.mutations + counts.photos;
    }""")


# Runs one whole pass of the app's sync loop in this page, one that starts after this call: syncNow()
# answers null at once when a pass already waits behind the running one (in this or another tab), so wait
# for the loop's Web Lock to come free and ask again.
RUN_SYNC_PASS = """async () => {
    const sync = await import('/js/sync.js');
    for (;;) {
        await navigator.locks.request('seamline-sync', async () => {});
        if ((await sync.syncNow()) !== null) return sync.status().error;
    }
}"""


def sync_pass(page):
    """One whole pass of the sync loop; returns its error (None when it succeeded)."""
    return page.evaluate(RUN_SYNC_PASS)


def wait_synced(page, timeout: float = STATE_TIMEOUT) -> None:
    """Run the app's sync loop until nothing is left in the outbox or the photo queue."""
    deadline = time.monotonic() + timeout
    while (error := sync_pass(page)) is not None or pending(page):
        if time.monotonic() > deadline:
            raise AssertionError(f"still {pending(page)} changes waiting to sync; last error {error}")
        time.sleep(0.05)


def make_photo(path, size, seed):
    """A JPEG of noise (it compresses badly, so even a resized one takes several upload chunks)."""
    from PIL import Image

    Image.effect_noise(size, 30 + seed).convert("RGB").save(path, "JPEG", quality=85)
    return path


def sign(page, testid, amplitude=15):
    """Draw a zigzag on a signature canvas, as a finger would (another amplitude, another signature)."""
    canvas = page.locator(f"[data-testid={testid}]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 8):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (-1) ** step * amplitude)
    page.mouse.up()


@contextmanager
def serving(app):
    """The app over HTTP on a free loopback port, for as long as the block runs; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()  # waits for requests still being answered: their log lines stay in this test


def save_screenshot(page, name: str, full_page: bool = False) -> None:
    """A picture of the page under the artifacts folder, for a person to look at."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=full_page)


def assert_accessible(page, screen: str) -> None:
    """axe-core (from npm, served by the app) finds no serious or critical violation."""
    if page.evaluate("() => typeof axe === 'undefined'"):
        page.add_script_tag(url="/vendor/axe-core/axe.min.js")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{screen}: {bad}"
