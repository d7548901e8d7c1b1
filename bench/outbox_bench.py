"""The app's outbox at 1,000 and at 60,000 journal rows: a sync's outbox work should not grow with the journal.

    .venv/bin/python bench/outbox_bench.py [--small 1000] [--large 60000] [--rounds 20]

Serves a throwaway app (SQLite in a temp dir, migrated, no data: only the app's own modules are used) on a
loopback port and drives Debian's Chromium. For each journal size, in a fresh browser context, it records
that many mutations (in bursts of 5,000, one transaction each) and acknowledges them all, as after a first
push. Then, ``--rounds`` times, it records 10 taps (one transaction each) and does the outbox part of a sync
pass: ``unackedMutations(2000)``, ``pendingCounts()``, ``acknowledge()``, ``lastAcked()``, ``records()`` of
the entity. Prints the median time of that at each size and the ratio large/small (about 1 when the cost
does not depend on the journal), and, as the baseline measured in the same run, a plain read of the whole
outbox at each size: what every batch cost before the outbox was read by key range.

Then the local write rate: ``--inserts`` changes recorded one strict transaction each (a tap each), as
inspections of 6 records (an inspection and 5 defects) in one transaction each, and all in one ``batch()``.

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import create_app  # after the path set-up above

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

FILL = """async (count) => {
    const db = await import('/js/db.js');
    for (let done = 0; done < count; done += 5000) {
        const changes = [];
        for (let n = done; n < Math.min(count, done + 5000); n += 1) {
            changes.push(db.upsertChange('inspection_defect', { inspection_id: 'i', defect_type_id: 't',
                                                                severity: 'minor', note: `journal ${n}` }));
        }
        await db.batch(changes);
    }
    await db.acknowledge(count, []);
    return (await db.pendingCounts()).mutations;
}"""

ROUNDS = """async (rounds) => {
    const db = await import('/js/db.js');
    const syncs = [];
    const scans = [];
    for (let round = 0; round < rounds; round += 1) {
        for (let tap = 0; tap < 10; tap += 1) {
            await db.upsert('inspection_defect', { inspection_id: 'i', defect_type_id: 't', severity: 'major',
                                                   note: `round ${round} tap ${tap}` });
        }
        const started = performance.now();
        const unsent = await db.unackedMutations(2000);
        await db.pendingCounts();
        await db.acknowledge(unsent[unsent.length - 1].id, []);
        await db.lastAcked();
        await db.records('inspection_defect');
        syncs.push(performance.now() - started);
        const scanStarted = performance.now();
        await (await db.openDatabase()).getAll('outbox');
        scans.push(performance.now() - scanStarted);
    }
    return { syncs, scans, kept: (await (await db.openDatabase()).count('outbox')) };
}"""


INSERTS = """async ([count, group]) => {
    const db = await import('/js/db.js');
    const change = (n) => db.upsertChange('inspection_defect', { inspection_id: 'i', defect_type_id: 't',
                                                              severity: 'minor', note: `insert ${n}` });
    const started = performance.now();
    for (let n = 0; n < count; n += group) {
        const changes = [];
        for (let k = n; k < Math.min(count, n + group); k += 1) changes.push(change(k));
        await db.batch(changes);
    }
    return performance.now() - started;
}"""


def insert_rate(browser, base: str, count: int, group: int) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/")
        page.wait_for_selector("#email")
        return count / (page.evaluate(INSERTS, [count, group]) / 1000)
    finally:
        context.close()


def build_app(workdir: Path):
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
                      "PHOTO_DIR": str(workdir / "photos")})
    with app.app_context():
        upgrade()
    return app


def measure(browser, base: str, size: int, rounds: int) -> dict:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/")
        page.wait_for_selector("#email")
        page.evaluate("async () => { (await import('/js/sync.js')); }")  # the modules load before timing
        unsent = page.evaluate(FILL, size)
        assert unsent == 0, unsent
        return page.evaluate(ROUNDS, rounds)
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=60000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--inserts", type=int, default=1200)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    with tempfile.TemporaryDirectory() as workdir:
        app = build_app(Path(workdir))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                results = {size: measure(browser, base, size, args.rounds) for size in (args.small, args.large)}
                rates = {group: insert_rate(browser, base, args.inserts, group) for group in (1, 6, args.inserts)}
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)

    print(f"outbox work of one sync pass with 10 new changes, median of {args.rounds} rounds:")
    medians = {}
    for size, result in results.items():
        medians[size] = (statistics.median(result["syncs"]), statistics.median(result["scans"]))
        print(f"  journal of {size:>6} acknowledged rows: {medians[size][0]:8.1f} ms"
              f"   (baseline, a read of the whole outbox: {medians[size][1]:8.1f} ms; rows kept: {result['kept']})")
    (small_sync, small_scan), (large_sync, large_scan) = medians[args.small], medians[args.large]
    print(f"  ratio {args.large}/{args.small}: {large_sync / small_sync:.2f}x"
          f"   (whole-outbox read: {large_scan / small_scan:.1f}x)")
    print(f"local writes, {args.inserts} changes:")
    for group, label in ((1, "one transaction per change"), (6, "one per inspection of 6 records"),
                         (args.inserts, "all in one batch()")):
        print(f"  {label:<34} {rates[group]:9.0f} changes/s   ({rates[group] / rates[1]:.1f}x)")


if __name__ == "__main__":
    main()
