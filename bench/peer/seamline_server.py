"""The Seamline server for the peer benchmark, in a subprocess (bench/peer/serve_seamline.py)."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent


@contextmanager
def seamline_server(workdir: Path, target_names: list[str]):
    """Yields the base URL of a fresh SQLite-backed server seeded for the targets; stops it afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / "server.log", "w")  # the migrations' log lines and any traceback
    process = subprocess.Popen([sys.executable, str(HERE / "serve_seamline.py"), f"sqlite:///{workdir}/seamline.db",
                                *target_names], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the Seamline server did not start; see {workdir / 'server.log'}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
