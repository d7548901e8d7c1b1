"""Debian's Chromium through Playwright (never `playwright install`), and the traffic of a phase."""

from __future__ import annotations

from dataclasses import dataclass

CHROMIUM = "/usr/bin/chromium"
# As in tests/browser/conftest.py: keep Chromium from reaching out to the network, which is closed here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class Phase:
    """One measured phase: its duration and what went over the wire meanwhile (headers included)."""
    ms: float
    sent: int = 0
    received: int = 0
    requests: int = 0


class BrowserTraffic:
    """Every request a browser context finished (or failed) while the block ran.

    Sizes come from Chromium's own accounting (Request.sizes(): headers plus the body as it went over the
    wire, so compressed answers count compressed); they are read after the block, while the page is open.
    """

    def __init__(self, context):
        self.context = context
        self.requests = []

    def __enter__(self):
        self.context.on("requestfinished", self._seen)
        self.context.on("requestfailed", self._seen)
        return self

    def __exit__(self, *_):
        self.context.remove_listener("requestfinished", self._seen)
        self.context.remove_listener("requestfailed", self._seen)
        return False

    def _seen(self, request) -> None:
        self.requests.append(request)

    def phase(self, ms: float) -> Phase:
        sent = received = 0
        for request in self.requests:
            sizes = request.sizes()
            sent += sizes["requestHeadersSize"] + sizes["requestBodySize"]
            received += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        return Phase(ms, sent, received, len(self.requests))

    def first_start(self, path_part: str) -> float | None:
        """When the first request whose URL holds ``path_part`` started (ms since the epoch), if any."""
        starts = [r.timing["startTime"] for r in self.requests if path_part in r.url]
        return min(starts) if starts else None
