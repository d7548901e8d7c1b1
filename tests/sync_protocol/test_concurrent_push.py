"""Concurrent pushes (PROTOCOL.md 3.3; server.services.write_locks).

The change counter is taken at a transaction's first write, so pushes confined to different factories
run side by side on PostgreSQL. These tests hold that (1) a puller still never skips a change, however
the pushers' transactions interleave; (2) pushes of different factories really overlap; (3) pushes of
one factory still take turns, so an edit made meanwhile is judged against the other's (a conflict, never
a lost update).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
import uuid

import pytest
import world
from apps import ApiClient, dispose, make_app
from sqlalchemy import create_engine, event, select, text

from server.extensions import db
from server.models import Inspection, InspectionDefect, Versioned

PUSHES_PER_WRITER = 20 if os.environ.get("SEAMLINE_SOAK") != "1" else 200
DEFECTS_PER_PUSH = 3
SEED = int(os.environ.get("SEAMLINE_SEED", "4343"))
# (persona or new user, factory): two pushers in factory A, which take turns, and one in B beside them.
WRITERS = (("inspector_a", world.FACTORY_A), ("inspector_b", world.FACTORY_B), ("inspector_a2", world.FACTORY_A))


def _add_inspector(name: str, factories: list) -> None:
    from server.services.users import create_user

    create_user(None, {"id": world.user_id(name), "email": f"{name.replace('_', '-')}@example.com",
                       "display_name": name, "role": "inspector", "password": world.PASSWORD,
                       "factory_ids": factories}, source="seed")


def _login(app, name: str) -> ApiClient:
    client = ApiClient(app.test_client())
    response = client.login(f"{name.replace('_', '-')}@example.com", world.PASSWORD)
    assert response.status_code == 200, response.get_json()
    return client


def _push(client: ApiClient, client_id: str, mutations: list[dict]):
    return client.post("/api/v1/sync/push", json={"client_id": client_id, "protocol_version": 1,
                                                  "schema_version": 1, "mutations": mutations})


# --- 1. a puller never skips a change -----------------------------------------------------------------


def _writer(url: str, photo_dir: str, writer: int, seed: int, done) -> None:
    """Push an inspection and its defects at a time; each transaction dawdles before its first write and
    again after it (holding the counter), so commits land late and interleaved."""
    from pathlib import Path

    name, factory_id = WRITERS[writer]
    app = make_app(url, Path(photo_dir))
    rng = random.Random(seed * 100 + writer)

    def dawdle(session, *_args):
        if any(isinstance(o, Versioned) for o in session.new):
            time.sleep(rng.random() * 0.01)

    event.listen(db.session, "before_flush", dawdle, insert=True)
    event.listen(db.session, "after_flush", dawdle)
    client = _login(app, name)
    client_id = f"writer-{writer}-0123456789abcdef"
    next_id = 1
    for _ in range(PUSHES_PER_WRITER):
        inspection_id = str(uuid.uuid4())
        mutations = [{"id": next_id, "entity": "inspection", "op": "upsert", "record_id": inspection_id,
                      "fields": {"inspection_type": "inline", "factory_id": str(factory_id), "lot_size": 800}}]
        mutations += [{"id": next_id + n, "entity": "inspection_defect", "op": "upsert",
                       "record_id": str(uuid.uuid4()),
                       "fields": {"inspection_id": inspection_id, "defect_type_id": str(world.DEFECT_TYPE),
                                  "severity": "minor"}} for n in range(1, DEFECTS_PER_PUSH + 1)]
        answer = _push(client, client_id, mutations)
        assert answer.status_code == 200, answer.get_json()
        assert {r["status"] for r in answer.get_json()["results"]} == {"applied"}, answer.get_json()
        next_id += len(mutations)
    dispose(app)
    done.put(writer)


def test_concurrent_pushers_never_skipped_by_pulls(app, tmp_path):
    with app.app_context():
        _add_inspector("inspector_a2", [world.FACTORY_A])
        _add_inspector("puller", [world.FACTORY_A, world.FACTORY_B])
    puller = _login(app, "puller")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections
    done = context.Queue()
    writers = [context.Process(target=_writer, args=(url, str(tmp_path), w, SEED, done)) for w in range(len(WRITERS))]
    for process in writers:
        process.start()
    seen: set[str] = set()
    cursor, pulls, finished = None, 0, 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        query = "client_id=puller-0123456789abcdef&limit=50" + (f"&cursor={cursor}" if cursor else "")
        answer = puller.get(f"/api/v1/sync/pull?{query}").get_json()
        pulls += 1
        assert not answer["reset"], answer
        seen |= {c["id"] for c in answer["changes"] if c["entity"] in ("inspection", "inspection_defect")}
        cursor = answer["cursor"]
        while not done.empty():
            done.get()
            finished += 1
        if finished == len(writers) and not answer["has_more"]:
            final = puller.get(f"/api/v1/sync/pull?client_id=puller-0123456789abcdef&limit=2000&cursor={cursor}")
            seen |= {c["id"] for c in final.get_json()["changes"]}
            break
        time.sleep(0.002)
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    with app.app_context():
        committed = {str(i) for i in db.session.scalars(select(Inspection.id))}
        committed |= {str(i) for i in db.session.scalars(select(InspectionDefect.id))}
    assert len(committed) >= len(WRITERS) * PUSHES_PER_WRITER * (1 + DEFECTS_PER_PUSH)
    missing = committed - seen
    assert not missing, f"{len(missing)} committed changes never pulled (seed {SEED}, {pulls} pulls)"
    assert pulls > 5  # the puller really ran while the pushers were committing


# --- 2 and 3. who waits for whom (PostgreSQL: SQLite lets one writer in at a time by design) -----------


class _PausedBeforeFirstWrite:
    """Holds the push made in thread "first" just before its first write: after its locks and all its
    reads and checks, before it takes the change counter."""

    def __init__(self):
        self.paused = threading.Event()
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, session, *_args):
        if threading.current_thread().name == "first" and not self.paused.is_set() \
                and any(isinstance(o, Versioned) for o in (*session.new, *session.dirty)):
            self.paused.set()
            self.release.wait(timeout=60)

    def __enter__(self):
        event.listen(db.session, "before_flush", self, insert=True)  # before the hook that takes the counter
        return self

    def __exit__(self, *_exc):
        self.release.set()
        for thread in self.threads:  # no listener may be removed while a flush runs through them
            thread.join(timeout=60)
        event.remove(db.session, "before_flush", self)


def _edit_notes(inspection_id, notes: str, base_version: int) -> list[dict]:
    return [{"id": 1, "entity": "inspection", "op": "upsert", "record_id": str(inspection_id),
             "fields": {"notes": notes}, "base_version": base_version}]


def _in_thread(hold: _PausedBeforeFirstWrite, name: str, results: dict, client: ApiClient, client_id: str,
               mutations) -> threading.Thread:
    def run():
        response = _push(client, client_id, mutations)
        results[name] = (response.status_code, response.get_json())

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    hold.threads.append(thread)
    return thread


def _version_of(app, inspection_id) -> int:
    with app.app_context():
        return db.session.get(Inspection, inspection_id).server_version


def test_pushes_of_different_factories_run_side_by_side(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time (BEGIN IMMEDIATE)")
    first, second = _login(app, "inspector_a"), _login(app, "inspector_b")
    results: dict = {}
    with _PausedBeforeFirstWrite() as hold:
        _in_thread(hold, "first", results, first, "first-0123456789abcdef",
                         _edit_notes(world.INSPECTION_A, "first", _version_of(app, world.INSPECTION_A)))
        assert hold.paused.wait(timeout=30)
        two = _in_thread(hold, "second", results, second, "second-0123456789abcdef",
                               _edit_notes(world.INSPECTION_B, "second", _version_of(app, world.INSPECTION_B)))
        two.join(timeout=20)
        # The second push committed while the first was still inside its transaction.
        assert "second" in results and "first" not in results, "the second push waited for the first"
    assert results["first"][0] == results["second"][0] == 200
    assert results["first"][1]["results"][0]["status"] == results["second"][1]["results"][0]["status"] == "applied"
    # The first committed last, so its number is the higher one: commit order and number order agree.
    assert results["first"][1]["results"][0]["version"] > results["second"][1]["results"][0]["version"]


def _waiting_on_advisory_lock(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")))
    finally:
        engine.dispose()


def test_pushes_of_one_factory_take_turns_so_an_edit_meanwhile_conflicts(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time (BEGIN IMMEDIATE)")
    with app.app_context():
        _add_inspector("inspector_a2", [world.FACTORY_A])
    first, second = _login(app, "inspector_a"), _login(app, "inspector_a2")
    base = _version_of(app, world.INSPECTION_A)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    results: dict = {}
    with _PausedBeforeFirstWrite() as hold:
        _in_thread(hold, "first", results, first, "first-0123456789abcdef", _edit_notes(world.INSPECTION_A, "first", base))
        assert hold.paused.wait(timeout=30)
        _in_thread(hold, "second", results, second, "second-0123456789abcdef",
                   _edit_notes(world.INSPECTION_A, "second", base))
        deadline = time.monotonic() + 20
        while not _waiting_on_advisory_lock(url) and time.monotonic() < deadline and "second" not in results:
            time.sleep(0.05)
        assert "second" not in results, "the second push of the same factory did not wait for the first"
        assert _waiting_on_advisory_lock(url)
    assert results["first"][1]["results"][0]["status"] == "applied"
    # The second push read the inspection only after the first had committed: its edit of the same field,
    # made from the same base version, is a conflict and the stored value stays.
    second_result = results["second"][1]["results"][0]
    assert second_result["status"] == "applied_with_conflicts", second_result
    assert [c["field"] for c in second_result["conflicts"]] == ["notes"]
    with app.app_context():
        assert db.session.get(Inspection, world.INSPECTION_A).notes == "first"


# --- 4. a counter taken inside a savepoint that is rolled back is taken again ---------------------------


def test_a_batch_the_database_refuses_is_stamped_with_the_number_it_commits(app):
    """The bulk flush takes the counter inside a savepoint; the database refuses it (two factories with one
    code), the savepoint is rolled back -- and with it the increment, and on PostgreSQL the row lock -- and
    the batch is applied again one by one. Its rows must carry the number the transaction commits, never
    one that another transaction may take (and commit after a pull has passed it)."""
    from server.models import AuditEntry, SyncState, User
    from server.services import sync_push

    factory = {"code": "DUP-1", "name": "Twin", "country": "VN"}
    with app.app_context():
        before = db.session.get(SyncState, 1).change_counter
        admin = db.session.get(User, world.user_id("admin"))
        answer = sync_push.push(admin, {"client_id": "admin-phone-0123456789", "protocol_version": 1,
                                        "schema_version": 1, "mutations": [
            {"id": 1, "entity": "factory", "op": "upsert", "record_id": uuid.uuid4(), "fields": factory},
            {"id": 2, "entity": "factory", "op": "upsert", "record_id": uuid.uuid4(), "fields": factory}]})
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected"]
    with app.app_context():
        counter = db.session.get(SyncState, 1).change_counter
        stamped = set(db.session.scalars(select(AuditEntry.version).where(AuditEntry.version > before)))
    assert counter == before + 1
    assert answer["results"][0]["version"] == counter and stamped == {counter}


def test_a_push_confined_by_factories_its_user_no_longer_has_alone_is_refused_as_transient(app, backend):
    """The user's factories are read before the server lock; if an admin changed them in between, the push
    is refused with 503 (the client retries the same batch, PROTOCOL.md 2.6) rather than run with locks on
    factories that are not the ones it may write."""
    if backend != "postgresql":
        pytest.skip("no write locks on SQLite")
    from server.errors import ApiError
    from server.models import User
    from server.services import changes, write_locks

    with app.app_context():
        inspector = db.session.get(User, world.user_id("inspector_a"))
        stale = write_locks.Confinement(user=inspector, client_id="device-0123456789abcdef",
                                        factory_ids=frozenset({world.FACTORY_B}))
        with pytest.raises(ApiError) as refused:
            with changes.recording(inspector, "sync", client_id=stale.client_id, confined_to=stale):
                pass
        assert (refused.value.status, refused.value.code) == (503, "unavailable")
        current = write_locks.confinement_of_push(inspector, stale.client_id, _edit_notes(world.INSPECTION_A, "x", 1))
        assert current.factory_ids == {world.FACTORY_A}
        with changes.recording(inspector, "sync", client_id=current.client_id, confined_to=current):
            pass
