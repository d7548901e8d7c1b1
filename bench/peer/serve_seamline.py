"""Serve a Seamline app for the peer benchmark, in its own process tree (so the Python client and Playwright in
the benchmark's process do not share a GIL with the server).

    python bench/peer/serve_seamline.py SERVER DATABASE_URL PORT TARGET [TARGET ...]

Migrates and seeds the targets' reference data, then serves on 127.0.0.1:PORT:

- ``gunicorn``: as in production (README, "Object storage and app servers"): deploy/gunicorn.conf.py with its
  default number of sync workers (2 x cores + 1), each building its own app. This process becomes gunicorn.
- ``werkzeug``: werkzeug's threaded server in this one process, as the browser tests and bench/pwa_bench.py serve
  it (one interpreter, so one push at a time runs Python code however many are in flight).
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # the repository
sys.path.insert(0, str(REPO / "bench"))  # for the peer package

from peer.seamline_world import build_app  # after the path set-up above


def main() -> None:
    server, database_url, port, targets = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    app = build_app(database_url, targets)
    if server == "werkzeug":
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        make_server("127.0.0.1", port, app, threaded=True).serve_forever()
        return
    from server.extensions import db

    with app.app_context():
        db.engine.dispose()  # the workers open their own connections
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        sys.exit("gunicorn is not installed: .venv/bin/pip install -e '.[bench]'")
    env = {**os.environ, "DATABASE_URL": database_url, "SEAMLINE_ENV": "development",
           # One key for every worker: a session signed by one is read by the others.
           "SECRET_KEY": secrets.token_hex(32), "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_ACCESS_LOG": os.devnull, "GUNICORN_LOG_LEVEL": "warning", "PYTHONPATH": str(REPO)}
    os.chdir(REPO)
    os.execve(gunicorn, [str(gunicorn), "-c", str(REPO / "deploy" / "gunicorn.conf.py")], env)


if __name__ == "__main__":
    main()
