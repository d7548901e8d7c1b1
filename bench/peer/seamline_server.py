"""The Seamline server for the peer benchmark, in a subprocess (bench/peer/serve_seamline.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVERS = ("gunicorn", "werkzeug")
_READY_TIMEOUT = 180  # seconds: migrations, seeding and the workers' first imports on a busy machine


@contextmanager
def seamline_server(workdir: Path, target_names: list[str], server: str = "gunicorn"):
    """Yields the base URL of a fresh SQLite-backed server seeded for the targets; stops it afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = open(workdir / "server.log", "w")  # the migrations' log lines, gunicorn's and any traceback
    process = subprocess.Popen([sys.executable, str(HERE / "serve_seamline.py"), server,
                                f"sqlite:///{workdir}/seamline.db", str(port), *target_names],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, workdir / "server.log")
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Seamline server exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(base_url + "/api/v1/health", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the Seamline server did not answer within {_READY_TIMEOUT} s; see {log_path}")
