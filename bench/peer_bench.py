"""Peer benchmark (issue 11): Seamline's sync against PouchDB 9 replicating to pouchdb-server 4.2.

    .venv/bin/python bench/peer_bench.py [--inspections 10000] [--repeat 1] [--pouch-batch 6]
                                         [--no-server-push] [--keep] [--seamline-server gunicorn]

Once: (cd bench/peer && npm ci) for PouchDB and pouchdb-server (from the lockfile in bench/peer/).

Generates one seeded workload (N inspections with 5 defects each) and runs it, in the same run and
alternating (PouchDB, the app, the Python client; again with ``--repeat``), through:

- PouchDB 9 in Debian's Chromium (IndexedDB), replicating to pouchdb-server 4.2 (LevelDB) on loopback;
- the Seamline app in Chromium: its own outbox (pwa/js/db.js) and sync pass (pwa/js/sync.js), driven in a
  page of the app's origin, against the Seamline server on loopback: SQLite, served as in production by
  gunicorn with deploy/gunicorn.conf.py's defaults (``--seamline-server werkzeug``: werkzeug's threaded server
  in one process, as before 2026-12-02 16:00);
- the Seamline Python client (sync/client.py) against the same server.

Each system: local insert of every record, the initial replication, a sync with nothing new, and a sync
after 1% of the records changed, with the bytes sent and received (headers included) and the requests.
Then the server's push service against a raw ``executemany`` of the same rows. Prints one table with the
ratios Seamline/PouchDB (below 1: Seamline takes less). The machine is shared and has 2 cores: read the
ratios, not the seconds. Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("SEAMLINE_ENV", "testing")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))         # bench/, for the peer package

from peer import drivers, server_push, workload  # after the path set-up above
from peer.browser import launch
from peer.pouch_server import pouchdb_server
from peer.pouch_server import version as pouch_server_version
from peer.seamline_server import SERVERS, seamline_server
from peer.seamline_world import target

MiB, KiB = 1024 * 1024, 1024
SYSTEMS = ("pouch", "app", "python")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=10_000, help="inspections, 5 defects each (default 10,000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each system, alternating (default 1)")
    parser.add_argument("--seed", type=int, default=20261130, help="the workload's seed (default 20261130)")
    parser.add_argument("--changed", type=float, default=0.01, help="fraction changed before the last sync")
    parser.add_argument("--pouch-batch", type=int, default=6,
                        help="PouchDB documents per local bulkDocs (default 6: an inspection with its defects)")
    parser.add_argument("--no-server-push", action="store_true", help="skip the push service against executemany")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (databases, server logs)")
    parser.add_argument("--seamline-server", choices=SERVERS, default="gunicorn",
                        help="gunicorn as in production (default), or werkzeug's threaded server in one process")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="seamline-peer-bench-"))
    print(f"peer benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; work dir {workdir}; seed {args.seed}")
    sample = workload.generate(args.inspections, args.seed, target("sample"))
    raw = workload.raw_json_bytes(sample)
    print(f"workload: {args.inspections:,} inspections x {workload.DEFECTS_PER_INSPECTION} defects = "
          f"{len(sample):,} records, {raw / MiB:.2f} MiB of raw JSON; {args.changed:.0%} changed = "
          f"{len(workload.changes(sample, args.changed, args.seed)):,} records")

    runs: dict[str, list[dict]] = {system: [] for system in SYSTEMS}
    target_names = [f"{system}-{n}" for n in range(args.repeat) for system in ("app", "python")]
    with seamline_server(workdir / "seamline", target_names, args.seamline_server) as seamline_base, \
            pouchdb_server(workdir / "pouchdb") as pouch_base, sync_playwright() as playwright:
        browser = launch(playwright)
        print(machine_note(browser.version, pouch_base) + f"; Seamline served by {args.seamline_server}")
        for n in range(args.repeat):
            for system in SYSTEMS:
                name = f"{system}-{n}"
                records = workload.generate(args.inspections, args.seed, target(name))
                edits = workload.changes(records, args.changed, args.seed)
                started = time.perf_counter()
                if system == "pouch":
                    phases = drivers.run_pouch(browser, pouch_base, name, records, edits, args.pouch_batch)
                elif system == "app":
                    phases = drivers.run_app(browser, seamline_base, target(name), records, edits)
                else:
                    phases = drivers.run_python(seamline_base, target(name), records, edits, workdir / f"{name}.db")
                runs[system].append(phases)
                print(f"  run {n + 1}/{args.repeat} {system:<6} done in {time.perf_counter() - started:,.0f} s",
                      flush=True)
        browser.close()

    print_table(runs, raw, args.repeat)
    if not args.no_server_push:
        print_server_push(workdir / "server-push", args.inspections, args.seed)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)  # a full-size run leaves some 300 MB of databases


def machine_note(chromium_version: str, pouch_base: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    pouchdb = json.loads((Path(drivers.__file__).parent / "node_modules/pouchdb/package.json").read_text())["version"]
    return (f"machine: {os.cpu_count()} cores ({cpu}), load average {os.getloadavg()[0]:.1f}; Chromium "
            f"{chromium_version}; PouchDB {pouchdb}; pouchdb-server {pouch_server_version(pouch_base)} (LevelDB); "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


# --- the table ---------------------------------------------------------------------------------------------

ROWS = [  # (label, phase, what, unit)
    ("local insert", "insert", "ms", "s"),
    ("initial replication", "initial", "ms", "s"),
    ("  of which the push", "initial_push", "ms", "s"),
    ("  PouchDB's first pull, apart", "catch_up", "ms", "s"),
    ("nothing-new sync", "nothing_new", "ms", "ms"),
    ("1% changed: local edits", "edit", "ms", "ms"),
    ("1% changed: sync", "changed", "ms", "ms"),
    ("initial: bytes sent", "initial", "sent", "MiB"),
    ("initial: bytes received", "initial", "received", "MiB"),
    ("initial: requests", "initial", "requests", ""),
    ("nothing-new: bytes sent", "nothing_new", "sent", "KiB"),
    ("nothing-new: bytes received", "nothing_new", "received", "KiB"),
    ("nothing-new: requests", "nothing_new", "requests", ""),
    ("1% changed: bytes sent", "changed", "sent", "KiB"),
    ("1% changed: bytes received", "changed", "received", "KiB"),
    ("1% changed: requests", "changed", "requests", ""),
]
SCALE = {"s": 1000, "ms": 1, "MiB": MiB, "KiB": KiB, "": 1}


def figure(runs: list[dict], phase: str, what: str) -> float | None:
    values = [getattr(r[phase], what) for r in runs if phase in r]
    return statistics.median(values) if values else None


def print_table(runs: dict[str, list[dict]], raw: int, repeat: int) -> None:
    print(f"\n{'median of ' + str(repeat) + ' runs' if repeat > 1 else 'one run'}; ratio = Seamline / PouchDB "
          "(below 1: Seamline takes less)\n")
    header = (f"| {'figure':<38} | {'PouchDB 9 (IndexedDB)':>21} | {'Seamline app (Chromium)':>23} | {'ratio':>6} "
              f"| {'Seamline Python client':>22} | {'ratio':>6} |")
    print(header)
    print("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")
    for label, phase, what, unit in ROWS:
        pouch = figure(runs["pouch"], phase, what)
        cells = [f"{label + (f' ({unit})' if unit else ''):<38}", f"{show(pouch, unit):>21}"]
        for system, width in (("app", 23), ("python", 22)):
            value = figure(runs[system], phase, what)
            cells += [f"{show(value, unit):>{width}}", f"{ratio(value, pouch):>6}"]
        print("| " + " | ".join(cells) + " |")
    print()
    for system, label in (("pouch", "PouchDB"), ("app", "Seamline app"), ("python", "Seamline Python client")):
        sent = figure(runs[system], "initial", "sent")
        print(f"initial bytes sent / raw JSON ({raw / MiB:.2f} MiB), {label}: {sent / raw:.2f}")
    pouch, app = figure(runs["pouch"], "initial", "ms"), figure(runs["app"], "initial", "ms")
    app_push = figure(runs["app"], "initial_push", "ms")
    print(f"goal 'app's initial push at least 3x faster than PouchDB's': PouchDB / app = {pouch / app:.2f}x for the "
          f"whole pass (push and pull back), {pouch / app_push:.2f}x for its push part")
    for phase, label in (("nothing_new", "nothing-new sync"), ("changed", "1%-changed sync")):
        p, a = figure(runs["pouch"], phase, "ms"), figure(runs["app"], phase, "ms")
        print(f"goal '{label} faster than PouchDB's': app / PouchDB = {a / p:.2f}")


def show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    scaled = value / SCALE[unit]
    return f"{scaled:,.0f}" if unit in ("", "ms") or scaled >= 100 else f"{scaled:,.2f}"


def ratio(value: float | None, pouch: float | None) -> str:
    return f"{value / pouch:.2f}" if value is not None and pouch else "-"


# --- the server's push service against executemany --------------------------------------------------------


def print_server_push(workdir: Path, inspections: int, seed: int) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    records = workload.generate(inspections, seed, target("server-0"))
    result = server_push.measure(workdir, records, "server-0")
    pushed, raw = result.mutations / result.push_s, result.raw_rows / result.raw_s
    print(f"\nserver push service (sync_push.push in an app context, batches of {server_push.BATCH}, SQLite): "
          f"{pushed:,.0f} mutations/s ({result.push_s:.1f} s for {result.mutations:,}) | raw executemany of the "
          f"same {result.raw_rows:,} rows in one transaction: {raw:,.0f} rows/s ({result.raw_s:.2f} s) | "
          f"ratio {pushed / raw:.4f}")


if __name__ == "__main__":
    main()
