"""Many concurrent writers (separate processes, random commit delays) and a puller:
the union of all pulled pages equals every committed change, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import random
import time

import world
from apps import dispose, make_app
from sqlalchemy import select

from server.extensions import db
from server.models import Style, User

WRITERS = 4
WRITES_PER_WRITER = 60 if os.environ.get("SEAMLINE_SOAK") != "1" else 600
SEED = int(os.environ.get("SEAMLINE_SEED", "4242"))


def _writer(url: str, photo_dir: str, writer: int, seed: int, done) -> None:
    """Create styles, each in its own transaction that sleeps a random while before committing."""
    from pathlib import Path

    from server.services import changes

    app = make_app(url, Path(photo_dir))
    rng = random.Random(seed * 100 + writer)
    with app.app_context():
        for n in range(WRITES_PER_WRITER):
            with changes.recording(None, "automation"):
                db.session.add(Style(style_number=f"W{writer}-{n}", name="Concurrent", category="dresses"))
                db.session.flush()
                time.sleep(rng.random() * 0.01)  # hold the transaction open: commits land late and interleaved
        dispose(app)
    done.put(writer)


def _query(cursor, limit):
    return {"client_id": "puller-0123456789abcdef", "cursor": cursor, "limit": limit,
            "protocol_version": 1, "schema_version": 1}


def test_concurrent_writers_never_skipped_by_pulls(app, tmp_path):
    from server.services.sync_pull import pull

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections
    done = context.Queue()
    writers = [context.Process(target=_writer, args=(url, str(tmp_path), w, SEED, done)) for w in range(WRITERS)]
    for process in writers:
        process.start()
    seen: dict[str, int] = {}
    cursor = None
    pulls = 0
    with app.app_context():
        admin = db.session.get(User, world.user_id("admin"))
        finished = 0
        while True:
            answer = pull(admin, {"client_id": "puller-0123456789abcdef", "cursor": cursor, "limit": 50,
                                     "protocol_version": 1, "schema_version": 1})
            pulls += 1
            assert not answer["reset"]
            for change in answer["changes"]:
                seen[change["id"]] = change["version"]
            cursor = answer["cursor"]
            while not done.empty():
                done.get()
                finished += 1
            if finished == WRITERS and not answer["has_more"]:
                # One more pull after every writer has committed, to catch the last ones.
                final = pull(admin, _query(cursor, 2000))
                for change in final["changes"]:
                    seen[change["id"]] = change["version"]
                break
            time.sleep(0.002)
        for process in writers:
            process.join(timeout=60)
            assert process.exitcode == 0
        committed = {str(i) for i in db.session.scalars(select(Style.id).where(Style.name == "Concurrent"))}
    assert len(committed) == WRITERS * WRITES_PER_WRITER
    missing = committed - set(seen)
    assert not missing, f"{len(missing)} committed changes never pulled (seed {SEED}, {pulls} pulls)"
    assert pulls > 5  # the puller really ran while writers were committing
