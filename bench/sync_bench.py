"""Sync benchmark: push throughput against a raw bulk insert, full and empty pulls.

    .venv/bin/python bench/sync_bench.py [--big 1000000] [--database-url URL]

Prints its figures; ratios compare against baselines measured in the same run.
Uses a throwaway SQLite file unless --database-url points elsewhere.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # after the path set-up above

from server import create_app
from server.extensions import db
from server.models import DefectType, Factory, Inspection, InspectionDefect, SyncState, User
from server.services import changes
from server.services.users import create_user

PASSWORD = "benchmark password"


def build(url: str):
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        with changes.recording(None, "seed"):
            factory = Factory(code="BENCH", name="Bench factory", country="VN")
            defect_type = DefectType(code="B-1", name="Broken stitch", category="workmanship",
                                     default_severity="major")
            db.session.add_all([factory, defect_type])
        create_user(None, {"email": "bench@example.com", "display_name": "Bench", "role": "inspector",
                           "password": PASSWORD, "factory_ids": [factory.id]}, source="seed")
        with changes.recording(None, "seed"):
            inspection = Inspection(inspection_type="final", factory_id=factory.id, lot_size=5000)
            db.session.add(inspection)
        ids = (factory.id, defect_type.id, inspection.id)
    return app, ids


def login(app):
    client = app.test_client()
    csrf = client.post("/api/v1/auth/login", json={"email": "bench@example.com", "password": PASSWORD}).get_json()
    return client, {"X-CSRF-Token": csrf["csrf_token"]}


def push_throughput(app, ids, batches: int) -> float:
    _factory_id, defect_type_id, inspection_id = ids
    client, headers = login(app)
    next_id, start = 1, time.perf_counter()
    for _ in range(batches):
        mutations = [{"id": next_id + n, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
                      "fields": {"inspection_id": str(inspection_id), "defect_type_id": str(defect_type_id),
                                 "severity": "minor", "note": "bench"}} for n in range(500)]
        answer = client.post("/api/v1/sync/push", headers=headers, json={
            "client_id": "bench-client-0123456789", "protocol_version": 1, "schema_version": 1,
            "mutations": mutations})
        assert answer.status_code == 200, answer.get_json()
        next_id += 500
    return batches * 500 / (time.perf_counter() - start)


def raw_insert_throughput(app, ids, rows: int) -> float:
    factory_id, defect_type_id, inspection_id = ids
    with app.app_context():
        payload = [{"id": uuid.uuid4(), "inspection_id": inspection_id, "factory_id": factory_id,
                    "defect_type_id": defect_type_id, "severity": "minor", "note": "bench", "server_version": 1,
                    "field_versions": {}} for _ in range(rows)]
        start = time.perf_counter()
        for offset in range(0, rows, 500):
            db.session.execute(insert(InspectionDefect), payload[offset:offset + 500])
            db.session.commit()
        return rows / (time.perf_counter() - start)


def fill_inspections(app, ids, count: int) -> None:
    """Stored records for the pull figures, bulk-inserted (their history does not matter here)."""
    factory_id = ids[0]
    with app.app_context():
        high = db.session.get(SyncState, 1).change_counter
        for offset in range(0, count, 5000):
            rows = [{"id": uuid.uuid4(), "inspection_type": "final", "factory_id": factory_id, "lot_size": 1000,
                     "status": "planned", "inspection_level": "II", "count_basis": "nonconformities",
                     "aql_critical": "0", "aql_major": "2.5", "aql_minor": "4.0", "switching_critical": "normal",
                     "switching_major": "normal", "switching_minor": "normal", "server_version": high,
                     "field_versions": {}} for _ in range(min(5000, count - offset))]
            db.session.execute(insert(Inspection), rows)
            db.session.commit()


def full_pull_seconds(app) -> tuple[float, int, str]:
    client, _headers = login(app)
    cursor, received, start = None, 0, time.perf_counter()
    while True:
        query = "client_id=bench-puller-0123456789&limit=2000" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"/api/v1/sync/pull?{query}").get_json()
        received += len(answer["changes"])
        cursor = answer["cursor"]
        if not answer["has_more"]:
            return time.perf_counter() - start, received, cursor


def empty_pull_ms(app, cursor: str, repeat: int = 30) -> float:
    client, _headers = login(app)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(f"/api/v1/sync/pull?client_id=bench-puller-0123456789&cursor={cursor}").get_json()
        times.append(time.perf_counter() - start)
        assert answer["changes"] == [], "expected an empty incremental pull"
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", type=int, default=1_000_000, help="stored records for the large empty pull")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="seamline-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    app, ids = build(url)
    with app.app_context():
        print(f"database: {db.engine.dialect.name}")

    pushed = push_throughput(app, ids, args.batches)
    raw = raw_insert_throughput(app, ids, args.batches * 500)
    print(f"push: {pushed:,.0f} mutations/s (batches of 500) | raw bulk insert of the same rows: {raw:,.0f} rows/s"
          f" | ratio {pushed / raw:.3f}")

    fill_inspections(app, ids, 10_000)
    seconds, received, cursor = full_pull_seconds(app)
    print(f"first full pull of a factory with 10,000 inspections: {seconds:.2f} s for {received:,} changes")
    small = empty_pull_ms(app, cursor)
    print(f"empty incremental pull at ~10,000 stored records: {small:.1f} ms (median of 30)")

    fill_inspections(app, ids, args.big - 10_000)
    _seconds, _received, cursor = full_pull_seconds(app) if args.big <= 50_000 else (0, 0, _cursor_at_end(app))
    large = empty_pull_ms(app, cursor)
    print(f"empty incremental pull at ~{args.big:,} stored records: {large:.1f} ms (median of 30)"
          f" | ratio to 10,000: {large / small:.2f}")


def _cursor_at_end(app) -> str:
    """The cursor a client holds once it has everything (a full pull of a million rows is not the point here)."""
    from server.services.sync_pull import END_RANK
    from sync.core import Cursor, scope_fingerprint

    with app.app_context():
        state = db.session.get(SyncState, 1)
        user = db.session.scalar(select(User).where(User.email == "bench@example.com"))
        return Cursor(str(state.database_id), state.change_counter, END_RANK, "",
                      scope_fingerprint(user.role, user.factory_ids)).encode()


if __name__ == "__main__":
    main()
