"""One driver per system measured: PouchDB in Chromium, the Seamline app in Chromium, the Python client.

Each runs the same phases on its own copy of the workload and answers {phase name: Phase}:
``insert`` (every record written locally), ``initial`` (the first replication), ``initial_push`` (its
push part, for Seamline whose pass pulls the records back after pushing them), ``catch_up`` (PouchDB only:
the first pull, which sets the pull side's checkpoint; Seamline's initial pass includes it), ``nothing_new``
(a sync with nothing to send or get), ``edit`` (1% of the records changed locally) and ``changed`` (the
sync that sends those changes).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

from .browser import BrowserTraffic, Phase
from .seamline_world import PASSWORD, email
from .workload import Record, Target

HERE = Path(__file__).resolve().parent
POUCHDB_JS = HERE / "node_modules" / "pouchdb" / "dist" / "pouchdb.min.js"


# --- PouchDB 9 in Chromium, replicating to pouchdb-server -------------------------------------------------


def run_pouch(browser, pouch_base: str, name: str, records: list[Record], edits: list[Record],
              batch: int) -> dict[str, Phase]:
    context = browser.new_context()
    try:
        page = context.new_page()
        # A page of pouchdb-server's own origin (its welcome JSON), so replication needs no CORS preflights;
        # PouchDB's browser build comes from node_modules, never from a CDN.
        page.goto(pouch_base + "/")
        page.add_script_tag(path=str(POUCHDB_JS))
        page.add_script_tag(path=str(HERE / "pouch_driver.js"))
        adapter = page.evaluate("([name, url]) => peerBench.open(name, url)", [name, f"{pouch_base}/{name}"])
        assert adapter["adapter"] in ("idb", "indexeddb"), adapter
        docs = [{"_id": r.id, "type": r.entity, **r.fields} for r in records]
        phases = {"insert": Phase(page.evaluate("([docs, batch]) => peerBench.insert(docs, batch)", [docs, batch]))}

        def replicate(call: str, expect_written: int | None) -> Phase:
            with BrowserTraffic(context) as traffic:
                result = page.evaluate(f"() => peerBench.{call}()")
            assert result["ok"], result
            if expect_written is not None:
                assert result["written"] == expect_written, (call, result, expect_written)
            return traffic.phase(result["ms"])

        phases["initial"] = replicate("push", len(records))
        phases["initial_push"] = phases["initial"]
        phases["catch_up"] = replicate("pull", 0)
        phases["nothing_new"] = replicate("sync", 0)
        field_edits = [{"_id": e.id, **e.fields} for e in edits]
        phases["edit"] = Phase(page.evaluate("(edits) => peerBench.change(edits)", field_edits))
        phases["changed"] = replicate("sync", len(edits))
        return phases
    finally:
        context.close()


# --- the Seamline app in Chromium: its own outbox and sync modules -----------------------------------------


def run_app(browser, seamline_base: str, target: Target, records: list[Record],
            edits: list[Record]) -> dict[str, Phase]:
    context = browser.new_context()
    try:
        page = context.new_page()
        # A page of the app's origin that does not start the app (a small JSON answer of the API), so no
        # screen renders and no sync trigger fires on its own: the benchmark runs each pass itself.
        page.goto(seamline_base + "/api/v1/auth/me")
        page.evaluate((HERE / "app_driver.js").read_text())
        page.evaluate("([email, password]) => appBench.login(email, password)", [email(target), PASSWORD])
        _app_pass(page, context)  # the reference data, before anything is timed
        phases = {"insert": Phase(page.evaluate("(records) => appBench.record(records)", _triples(records)))}
        phases["initial"], started_at, traffic = _app_pass(page, context)
        first_pull = traffic.first_start("/api/v1/sync/pull")
        phases["initial_push"] = Phase(first_pull - started_at if first_pull else phases["initial"].ms)
        phases["nothing_new"], *_ = _app_pass(page, context)
        phases["edit"] = Phase(page.evaluate("(records) => appBench.record(records)", _triples(edits)))
        phases["changed"], *_ = _app_pass(page, context)
        return phases
    finally:
        context.close()


def _app_pass(page, context):
    with BrowserTraffic(context) as traffic:
        result = page.evaluate("() => appBench.pass()")
    if result["error"] or result["pending"] or result["rejected"]:
        raise RuntimeError(f"the app's sync pass did not finish cleanly: {result}")
    return traffic.phase(result["ms"]), result["startedAt"], traffic


def _triples(records: list[Record]) -> list:
    return [[r.entity, r.id, r.fields] for r in records]


# --- the Seamline Python client (sync/client.py) ----------------------------------------------------------


class CountingTransport:
    """Wraps the client's transport to count requests and bytes, and note when each request started.

    Counts the request line, the headers the client sets and the body; the answer's status line, headers
    and body. (urllib adds Host, User-Agent, Content-Length, Cookie and Connection itself, unseen here, and
    asks for no compression, so the answers come uncompressed.)
    """

    def __init__(self, inner):
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        self.sent = self.received = self.requests = 0
        self.starts: list[tuple[float, str]] = []

    def __call__(self, method, url, headers, body):
        self.starts.append((time.perf_counter(), url))
        status, answer_headers, answer = self.inner(method, url, headers, body)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.sent += len(f"{method} {target} HTTP/1.1\r\n") + _header_bytes(headers) + len(body or b"")
        self.received += len(f"HTTP/1.1 {status} \r\n") + _header_bytes(answer_headers) + len(answer or b"")
        self.requests += 1
        return status, answer_headers, answer

    def phase(self, ms: float) -> Phase:
        return Phase(ms, self.sent, self.received, self.requests)


def _header_bytes(headers: dict) -> int:
    return sum(len(f"{k}: {v}\r\n") for k, v in headers.items()) + 2


def run_python(seamline_base: str, target: Target, records: list[Record], edits: list[Record],
               state_path: Path) -> dict[str, Phase]:
    from sync.client import SyncClient, urllib_transport

    transport = CountingTransport(urllib_transport(timeout=600))
    client = SyncClient(seamline_base, email(target), PASSWORD, state_path=str(state_path), transport=transport)
    try:
        client.sync()  # logs in and pulls the reference data, before anything is timed

        def timed(action) -> tuple[float, float]:
            started = time.perf_counter()
            action()
            return started, (time.perf_counter() - started) * 1000

        def record(batch: list[Record]) -> None:
            for r in batch:
                client.upsert(r.entity, r.fields, r.id)

        def synced() -> tuple[Phase, float]:
            transport.reset()
            started, ms = timed(client.sync)
            if client.pending() or client.rejections():
                raise RuntimeError(f"the Python client's sync did not finish cleanly: {client.rejections()[:3]}")
            return transport.phase(ms), started

        phases = {"insert": Phase(timed(lambda: record(records))[1])}
        phases["initial"], started = synced()
        pulls = [at for at, url in transport.starts if "/api/v1/sync/pull" in url]
        phases["initial_push"] = Phase((pulls[0] - started) * 1000 if pulls else phases["initial"].ms)
        phases["nothing_new"], _ = synced()
        phases["edit"] = Phase(timed(lambda: record(edits))[1])
        phases["changed"], _ = synced()
        return phases
    finally:
        client.close()
