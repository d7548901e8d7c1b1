"""Push throughput with 1, 4 and 8 concurrent clients, on PostgreSQL under gunicorn (issue 11).

    .venv/bin/pip install -e '.[bench]'          # gunicorn
    .venv/bin/python bench/concurrency_bench.py [--inspections 1200] [--workers 8] [--clients 1,4,8] [--repeat 1]

Starts its own throwaway PostgreSQL (Debian's server, as the tests do: tests/pgserver.py), and for each
concurrency level C a fresh database, migrated and seeded with one factory, production order and inspector
per client (bench/peer/seamline_world.py), served by gunicorn with --workers sync workers. The same workload
(bench/peer/workload.py: --inspections inspections with 5 defects each, from one seed) is split evenly over
the C clients; each client is sync/client.py's SyncClient in a process of its own (its own user, device and
factory, so no two clients conflict), records its share locally first, then all start pushing at once.
Throughput is all mutations over the time from that start until the last client's outbox is empty, and is
printed with its ratio to the 1-client figure of the same run. The machine's cores and load are printed:
on a machine shared with other work read the ratios, not the seconds. Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from peer.seamline_world import PASSWORD, build_app, email, target  # after the path set-up above
from peer.workload import DEFECTS_PER_INSPECTION, generate
from pgserver import PostgresServer

SEED = 20261130


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inspections", type=int, default=1200, help="whole workload, split over the clients")
    parser.add_argument("--workers", type=int, default=8, help="gunicorn sync workers")
    parser.add_argument("--clients", default="1,4,8", help="concurrency levels, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every level (levels alternate)")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' log lines
    levels = [int(n) for n in args.clients.split(",")]
    mutations = args.inspections * (1 + DEFECTS_PER_INSPECTION)
    print(f"machine: {os.cpu_count()} cores, load average {_load()} at the start")
    print(f"workload: {args.inspections:,} inspections with {DEFECTS_PER_INSPECTION} defects each "
          f"= {mutations:,} mutations per level, split evenly over the clients; gunicorn --workers {args.workers}")
    figures: dict[int, list[float]] = {level: [] for level in levels}
    with tempfile.TemporaryDirectory(prefix="seamline-concurrency-") as workdir, PostgresServer() as pg:
        for run in range(args.repeat):
            for level in levels:
                rate, waiting = measure(pg, Path(workdir), f"r{run}c{level}", level, args.inspections, args.workers)
                figures[level].append(rate)
                print(f"  run {run + 1}: {level} client(s): {rate:,.0f} mutations/s, {waiting:.0%} of transaction "
                      f"time waiting for a lock (load {_load()})", flush=True)
    base = statistics.median(figures[levels[0]])
    print()
    print(f"| clients | mutations/s (median of {args.repeat}) | ratio to {levels[0]} client(s) |")
    print("|---:|---:|---:|")
    for level in levels:
        rate = statistics.median(figures[level])
        print(f"| {level} | {rate:,.0f} | {rate / base:.2f}x |")
    print(f"\nload average at the end: {_load()}")


def measure(pg: PostgresServer, workdir: Path, name: str, clients: int, inspections: int,
            workers: int) -> tuple[float, float]:
    """One level: a fresh database and server, ``clients`` processes pushing their share at once.
    Returns mutations/s and the share of open transactions' time spent waiting for a lock."""
    url = pg.create_database(f"bench_{name}")
    names = [f"{name}-client{n}" for n in range(clients)]
    app = build_app(url, names)
    _dispose(app)
    port = _free_port()
    server = _gunicorn(url, port, workers, workdir / name)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url, server)
        context = multiprocessing.get_context("spawn")
        ready, go, results = context.Queue(), context.Event(), context.Queue()
        share = inspections // clients
        processes = [context.Process(target=_client, args=(base_url, client_name, share, n, str(workdir / name),
                                                          ready, go, results))
                     for n, client_name in enumerate(names)]
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=600)  # every client has recorded its share locally
        sampler = _LockSampler(url)
        start = time.time()
        go.set()
        finished = [results.get(timeout=3600) for _ in processes]
        sampler.stop()
        for process in processes:
            process.join(timeout=60)
        errors = [f for f in finished if isinstance(f, str)]
        if errors:
            raise RuntimeError(f"a client failed: {errors[0]}")
        pushed = sum(count for count, _end in finished)
        return pushed / (max(end for _count, end in finished) - start), sampler.waiting_share()
    finally:
        server.terminate()
        server.wait(timeout=30)


class _LockSampler:
    """Samples the server's database sessions every 20 ms while the clients push: of the samples where a
    session is inside a transaction, how many find it waiting for a lock (the change counter's row or a
    write lock) rather than running or computing in its worker. Speed aside, this tells whether the pushes
    queue behind each other or only share the CPU."""

    def __init__(self, url: str):
        import threading

        from sqlalchemy import create_engine

        self.engine = create_engine(url)
        self.in_transaction = self.waiting = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from sqlalchemy import text

        query = text("SELECT state, wait_event_type FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        with self.engine.connect() as connection:
            while not self.done.wait(0.02):
                for state, wait_type in connection.execute(query):
                    if state in ("active", "idle in transaction"):
                        self.in_transaction += 1
                        self.waiting += wait_type == "Lock"
                connection.rollback()  # a fresh snapshot of the statistics each time

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)
        self.engine.dispose()

    def waiting_share(self) -> float:
        return self.waiting / self.in_transaction if self.in_transaction else 0.0


def _client(base_url: str, name: str, inspections: int, n: int, workdir: str, ready, go, results) -> None:
    """One phone: record its share of the workload locally, wait for the start, push it all."""
    from sync.client import SyncClient, urllib_transport

    try:
        who = target(name)
        records = generate(inspections, SEED + n, who)
        client = SyncClient(base_url, email(who), PASSWORD, state_path=f"{workdir}/{name}.db",
                            transport=urllib_transport(timeout=600))
        with client.burst():
            for record in records:
                client.upsert(record.entity, record.fields, record_id=record.id)
        client.pull()  # logs in (a password hash: not a push's cost) and binds the device, before the start
        ready.put(name)
        go.wait()
        client.push()
        end = time.time()
        assert client.pending() == 0, f"{client.pending()} mutations left unsent"
        assert not client.rejections(), client.rejections()[:3]
        client.close()
        results.put((len(records), end))
    except Exception as exc:  # reported to the parent, which stops the run
        ready.put(name)
        results.put(f"{name}: {exc!r}")


def _gunicorn(url: str, port: int, workers: int, logdir: Path) -> subprocess.Popen:
    logdir.mkdir(parents=True, exist_ok=True)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        sys.exit("gunicorn is not installed: .venv/bin/pip install -e '.[bench]'")
    env = {**os.environ, "DATABASE_URL": url, "SEAMLINE_ENV": "development", "PHOTO_DIR": str(logdir / "photos"),
           # One key for every worker: a session cookie made by one worker is read by the others.
           "SECRET_KEY": secrets.token_hex(32), "PYTHONPATH": str(REPO)}
    log = open(logdir / "gunicorn.log", "w")
    return subprocess.Popen([str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                             "--timeout", "600", "--chdir", str(REPO), "server:create_app()"],
                            env=env, stdout=log, stderr=log)


def _wait_until_up(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited; see its log in the run's folder")
        try:
            urllib.request.urlopen(base_url + "/api/v1/health", timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 120 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dispose(app) -> None:
    from server.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
