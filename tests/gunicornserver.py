"""The app served by gunicorn with deploy/gunicorn.conf.py, for the deployment tests (tests/deploy/).

Usage::

    from gunicornserver import free_port, serve

    with serve({"DATABASE_URL": ..., "SEAMLINE_ENV": "development", ...}, workers=3, log_path=tmp / "g.log") as url:
        ...  # url is http://127.0.0.1:<free port>

gunicorn runs in its own process group, from the repository, with the environment given on top of the tests'
own; it is up once `GET /api/v1/health` answers, and is stopped with SIGTERM (its master stops the workers),
then killed if it lingers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["free_port", "serve"]

REPO = Path(__file__).resolve().parents[1]
_READY_TIMEOUT = 120  # seconds: a cold first request (imports, the first database connection) on a busy machine
_STOP_GRACE = 30  # seconds: gunicorn's graceful_timeout lets requests in flight finish


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int, log_path: Path) -> Iterator[str]:
    """The base URL of gunicorn serving the app with ``env`` and ``workers`` workers, logging to ``log_path``."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    assert gunicorn.exists(), "gunicorn is in the test extras: pip install -e '.[test]'"
    port = free_port()
    env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "PYTHONPATH": str(REPO)}
    with open(log_path, "wb") as log:
        server = subprocess.Popen([str(gunicorn), "-c", str(REPO / "deploy" / "gunicorn.conf.py")], cwd=REPO,
                                  env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server, log_path)
        yield base_url
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(timeout=_STOP_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_until_up(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/api/v1/health", timeout=5):
                return
        except OSError:  # refused while it starts; a read timeout (not a URLError) through a slow first answer
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {_READY_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
