"""Two pushes in flight against one at a time (PROTOCOL.md 2.4.1), on the same server in the same run.

    .venv/bin/python bench/pipelined_push_bench.py [--inspections 2000] [--repeat 3] [--seamline-server gunicorn]

Serves Seamline as the peer benchmark does (SQLite; gunicorn with deploy/gunicorn.conf.py's defaults), warms
every worker, then pushes the peer workload (N inspections with 5 defects each) in gzipped batches of 2,000,
as the app does, alternating: one push at a time (the baseline), and the next push sent as soon as the one
before it is sent, two in flight. Each run is a device and factory of its own. Prints each run and the
medians with their ratio (below 1: two in flight take less). Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))         # bench/, for the peer package

from peer import workload  # after the path set-up above
from peer.seamline_server import SERVERS, seamline_server
from peer.seamline_world import PASSWORD, email, target

BATCH = 2000  # the app's PUSH_BATCH
MODES = ("one at a time", "two in flight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=2000, help="inspections, 5 defects each (default 2,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each way, alternating (default 3)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--seamline-server", choices=SERVERS, default="gunicorn")
    args = parser.parse_args()

    names = [f"run-{n}-{way}" for n in range(args.repeat) for way in range(len(MODES))]
    print(f"pipelined push: {args.inspections:,} inspections x {workload.DEFECTS_PER_INSPECTION} defects per run, "
          f"batches of {BATCH:,}, Seamline served by {args.seamline_server}, seed {args.seed}")
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    with seamline_server(Path(tempfile.mkdtemp(prefix="seamline-pipelined-bench-")), names,
                         args.seamline_server) as base:
        port = int(base.rsplit(":", 1)[1])
        _warm_every_worker(port, _login(port, target(names[0])))
        for name in names:
            mode = MODES[int(name.rsplit("-", 1)[1])]
            headers = _login(port, target(name))
            bodies = _bodies(workload.generate(args.inspections, args.seed, target(name)), f"device-{name}-0000")
            started = time.perf_counter()
            _push_all(port, headers, bodies, in_flight=1 if mode == MODES[0] else 2)
            seconds[mode].append(time.perf_counter() - started)
            print(f"  {name:<12} {mode:<14} {seconds[mode][-1]:6.2f} s", flush=True)
    baseline, piped = (statistics.median(seconds[mode]) for mode in MODES)
    print(f"median of {args.repeat}: one at a time {baseline:.2f} s, two in flight {piped:.2f} s, "
          f"ratio {piped / baseline:.2f}")


def _login(port: int, who) -> dict[str, str]:
    answer, response = _post(port, "/api/v1/auth/login", json.dumps({"email": email(who), "password": PASSWORD}),
                             {"Content-Type": "application/json"})
    return {"Cookie": response.getheader("Set-Cookie").split(";")[0], "X-CSRF-Token": answer["csrf_token"],
            "Content-Type": "application/json", "Content-Encoding": "gzip", "Accept-Encoding": "gzip"}


def _bodies(records, device: str) -> list[bytes]:
    return [gzip.compress(json.dumps({
        "client_id": device, "protocol_version": 1, "schema_version": 1,
        "mutations": [{"id": start + n + 1, "entity": r.entity, "op": "upsert", "record_id": r.id, "fields": r.fields,
                       "base_version": None} for n, r in enumerate(records[start:start + BATCH])],
    }).encode()) for start in range(0, len(records), BATCH)]


def _push_all(port: int, headers: dict, bodies: list[bytes], in_flight: int) -> None:
    """Each body once, in order, with at most ``in_flight`` pushes unanswered; each must apply whole."""
    with ThreadPoolExecutor(in_flight) as pool:
        sent = []
        for body in bodies:
            if len(sent) >= in_flight:
                _applied(sent[-in_flight].result())
            sent.append(pool.submit(_post, port, "/api/v1/sync/push", body, headers))
        for pending in sent[-in_flight:]:
            _applied(pending.result())


def _applied(answered) -> None:
    answer, _response = answered
    if {r["status"] for r in answer["results"]} != {"applied"}:
        raise RuntimeError(f"a push was not applied whole: {answer['results'][:3]}")


def _warm_every_worker(port: int, headers: dict) -> None:
    """Empty pushes from many devices at once, so that every worker has served one before the clock starts."""
    empty = [gzip.compress(json.dumps({"client_id": f"warm-up-{n:04d}-0000", "protocol_version": 1,
                                       "schema_version": 1, "mutations": []}).encode()) for n in range(20)]
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda body: _post(port, "/api/v1/sync/push", body, headers), empty))


def _post(port: int, path: str, body, headers: dict):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {data[:300]!r}")
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return json.loads(data), response
    finally:
        connection.close()


if __name__ == "__main__":
    main()
