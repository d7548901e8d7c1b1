"""Serve a Seamline app for the peer benchmark, in its own process (so the Python client and Playwright in
the benchmark's process do not share a GIL with the server).

    python bench/peer/serve_seamline.py DATABASE_URL TARGET [TARGET ...]

Migrates, seeds the targets' reference data, then serves on a free loopback port with werkzeug's threaded
server (as the browser tests and bench/pwa_bench.py serve it) and prints ``PORT <n>`` once it listens.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for the peer package

from peer.seamline_world import build_app  # after the path set-up above


def main() -> None:
    from werkzeug.serving import make_server

    database_url, targets = sys.argv[1], sys.argv[2:]
    app = build_app(database_url, targets)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
