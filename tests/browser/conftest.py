"""Real-browser fixtures: the app served on a loopback port, Debian's Chromium driven by Playwright.

Chromium is launched from /usr/bin/chromium (never `playwright install`, which
cannot download here). Without it these tests skip locally and fail on CI.
"""

from __future__ import annotations

import os
import shutil

import pytest
from helpers import PIXEL_7

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The flags keep Chromium from reaching out to the network, which is closed here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for path in CHROMIUM_CANDIDATES:
        if shutil.which(path):
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium and the playwright package are required on CI")
        pytest.skip("Chromium or playwright not installed (apt-get install chromium; pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_app(templates, tmp_path):
    """(base URL, app): the world app (SQLite) served over HTTP on a free loopback port."""
    import threading

    from apps import dispose, make_app
    from werkzeug.serving import make_server

    app = make_app(templates.copy("sqlite", "world"), tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)
    dispose(app)


@pytest.fixture
def phone(browser):
    """A browser context emulating a Pixel 7, with service workers allowed."""

    context = browser.new_context(**PIXEL_7, service_workers="allow")
    yield context
    context.close()


