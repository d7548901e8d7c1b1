"""Real-browser fixtures: the app served on a loopback port, Debian's Chromium driven by Playwright.

Chromium is launched from /usr/bin/chromium (never `playwright install`, which
cannot download here). Without it these tests skip locally and fail on CI.

A test that fails leaves what its pages showed under test-artifacts/failures/<test>/: a screenshot, the
page's HTML and its console (messages, uncaught errors, failed requests) for every page it opened; the
failure report lists the files.
"""

from __future__ import annotations

import os
import re
import shutil
import time

import pytest
from helpers import ARTIFACTS, PIXEL_7, serving

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The flags keep Chromium from reaching out to the network, which is closed here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Playwright waits 30 s by default; a loaded two-core machine running several suites at once has needed more.
# Tests wait for states, so a generous limit costs nothing when all is well.
PLAYWRIGHT_TIMEOUT_MS = 60_000


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
    from apps import dispose, make_app

    app = make_app(templates.copy("sqlite", "world"), tmp_path)
    with serving(app) as base:
        yield base, app
    dispose(app)


@pytest.fixture
def phone(browser):
    """A browser context emulating a Pixel 7, with service workers allowed."""

    context = browser.new_context(**PIXEL_7, service_workers="allow")
    yield context
    context.close()




# --- what the pages showed when a test failed ------------------------------------------------------------------


class BrowserWatch:
    """Every page a test opened, each with its console, page errors and failed requests as they came."""

    def __init__(self):
        self.started = time.monotonic()
        self.pages: list[tuple[object, list[str]]] = []

    def context(self, context) -> None:
        context.set_default_timeout(PLAYWRIGHT_TIMEOUT_MS)
        context.on("page", self.page)
        for page in context.pages:
            self.page(page)

    def page(self, page) -> None:
        log: list[str] = []
        self.pages.append((page, log))

        def note(line: str) -> None:
            log.append(f"{time.monotonic() - self.started:8.2f} s  {line}")

        page.on("console", lambda message: note(f"[{message.type}] {message.text}"))
        page.on("pageerror", lambda error: note(f"[page error] {error}\n{getattr(error, 'stack', '') or ''}"))
        page.on("requestfailed", lambda request: note(f"[request failed] {request.method} {request.url}: {request.failure}"))
        page.on("crash", lambda _page: note("[crash] the page crashed"))
        page.on("framenavigated", lambda frame: note(f"[navigated] {frame.url}") if frame.parent_frame is None else None)

    def save(self, folder: str) -> list[str]:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        saved = []
        for n, (page, log) in enumerate(self.pages, start=1):
            stem = os.path.join(folder, f"page-{n}")
            if page.is_closed():
                header = ["(the page was already closed when the test failed)"]
            else:
                header = [f"URL at the failure: {page.url}"]
                for suffix, capture in ((".png", _screenshot), (".html", _html)):
                    try:
                        capture(page, stem + suffix)
                        saved.append(stem + suffix)
                    except Exception as error:  # a hung or crashed page: say so, keep the rest
                        header.append(f"no {suffix[1:]}: {error}")
            _write(stem + ".console.log", "\n".join([*header, "", *log]) + "\n")
            saved.append(stem + ".console.log")
        return saved


def _screenshot(page, path: str) -> None:
    page.screenshot(path=path, full_page=True, timeout=15_000)


def _html(page, path: str) -> None:
    _write(path, page.content())


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


WATCH = pytest.StashKey[BrowserWatch]()


@pytest.fixture(scope="session", autouse=True)
def _fresh_failure_folder():
    """test-artifacts/failures/ shows the failures of this run only."""
    shutil.rmtree(os.path.join(ARTIFACTS, "failures"), ignore_errors=True)


@pytest.fixture(autouse=True)
def _watch_browser(request):
    """Watch every browser context the test creates (through any fixture, or itself)."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    watch = request.node.stash[WATCH] = BrowserWatch()
    new_context = browser.new_context

    def watched_new_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        watch.context(context)
        return context

    browser.new_context = watched_new_context
    yield
    del browser.new_context


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    watch = item.stash.get(WATCH, None)
    # Saved before teardown closes the contexts: the pages are still as the failure left them.
    if watch is None or not report.failed or report.when not in ("setup", "call") or not watch.pages:
        return
    folder = os.path.join(ARTIFACTS, "failures", re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1]))
    saved = watch.save(folder)
    report.sections.append(("what the pages showed", "\n".join(os.path.abspath(path) for path in saved)))
