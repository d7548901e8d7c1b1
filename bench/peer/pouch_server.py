"""pouchdb-server 4.2 (from bench/peer/node_modules, installed with ``npm ci`` from the lockfile) on a free
loopback port, storing its databases with LevelDB (its default, leveldown's prebuilt binary) in a temp dir."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXECUTABLE = HERE / "node_modules" / ".bin" / "pouchdb-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def pouchdb_server(workdir: Path):
    """Yields the server's base URL; stops the server (only the process it started) afterwards."""
    if not EXECUTABLE.exists():
        raise SystemExit(f"{EXECUTABLE} is missing: run `npm ci` in {HERE}")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # It writes config.json and log.txt into its working directory; its per-request log goes to a file.
    log = open(workdir / "stdout.txt", "w")
    process = subprocess.Popen([str(EXECUTABLE), "--host", "127.0.0.1", "--port", str(port), "--dir", str(workdir)],
                               cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def version(base: str) -> str:
    return json.loads(urllib.request.urlopen(base + "/").read()).get("version", "?")


def _wait_ready(base: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pouchdb-server exited with {process.returncode}")
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("pouchdb-server did not answer in time")
