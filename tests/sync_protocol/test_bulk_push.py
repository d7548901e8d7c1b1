"""Bulk push against one mutation at a time: the same randomized batches give identical databases,
audit trails and answers (issue 11), with bad mutations, conflicts, duplicates and references inside
the batch, on SQLite and PostgreSQL. SEAMLINE_SEED replays a run; SEAMLINE_SOAK=1 runs more batches."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import uuid

import pytest
import world
from apps import dispose, make_app
from sqlalchemy import DateTime, event, select

from server.extensions import db
from server.models import AuditEntry, CorrectiveAction, SyncConflict, SyncRejection, User
from server.schemas.sync import PushResultSchema
from server.services import entities, sync_push

SEED = int(os.environ.get("SEAMLINE_SEED", "20261130"))
BATCHES = 40 if os.environ.get("SEAMLINE_SOAK") == "1" else 6


@pytest.fixture
def twin_apps(backend, templates, tmp_path):
    apps = [make_app(templates.copy(backend, "world"), tmp_path / name) for name in ("bulk", "one_by_one")]
    yield apps
    for app in apps:
        dispose(app)


class _Workload:
    """Random batches from two phones of one inspector; ids and choices come from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.inspections = [str(world.INSPECTION_A)]
        self.defects: list[str] = []
        self.refused: list[str] = []
        self.next_id = {"phone-one-0123456789": 1, "phone-two-0123456789": 1}
        self.sent: dict[str, list[dict]] = {client: [] for client in self.next_id}

    def batch(self, client_id: str) -> list[dict]:
        mutations = [self._mutation(client_id) for _ in range(self.rng.randint(5, 40))]
        sent = self.sent[client_id]
        sent.extend(mutations)
        if len(sent) > len(mutations) and self.rng.random() < 0.5:
            # A retry after a lost answer: part of the last batch again, first.
            mutations = sent[-len(mutations) - self.rng.randint(1, 3):-len(mutations)] + mutations
        return mutations

    def _mutation(self, client_id: str) -> dict:
        mutation_id = self.next_id[client_id]
        self.next_id[client_id] += 1
        kind = self.rng.choices(["inspection", "defect", "bad_defect", "edit_notes", "immutable", "delete",
                                 "undo_refused", "out_of_scope", "unknown_reference"],
                                weights=[2, 8, 1, 2, 1, 1, 1, 1, 1])[0]
        record_id = str(uuid.uuid4())
        base = {"id": mutation_id, "op": "upsert", "record_id": record_id, "base_version": None}
        defect_fields = {"inspection_id": self.rng.choice(self.inspections), "defect_type_id": str(world.DEFECT_TYPE),
                         "severity": self.rng.choice(["critical", "major", "minor"])}
        if kind == "inspection":
            self.inspections.append(record_id)
            return base | {"entity": "inspection", "fields": {"inspection_type": "inline", "lot_size": 800,
                                                               "factory_id": str(world.FACTORY_A)}}
        if kind == "defect":
            self.defects.append(record_id)
            return base | {"entity": "inspection_defect", "fields": defect_fields | {"note": f"n{mutation_id}"}}
        if kind == "bad_defect":
            self.refused.append(record_id)
            return base | {"entity": "inspection_defect", "fields": defect_fields | {"sample_unit": 0}}
        if kind == "edit_notes":
            # Both phones edit the same notes from an old base: the later one conflicts.
            return base | {"entity": "inspection", "record_id": self.rng.choice(self.inspections),
                           "fields": {"notes": f"{client_id} {mutation_id}"}, "base_version": 1}
        if kind == "immutable" and self.defects:
            return base | {"entity": "inspection_defect", "record_id": self.rng.choice(self.defects),
                           "fields": {"severity": "critical", "note": "changed"}}
        if kind == "delete" and self.defects:
            return base | {"entity": "inspection_defect", "op": "delete", "record_id": self.rng.choice(self.defects),
                           "fields": {}}
        if kind == "undo_refused" and self.refused:
            return base | {"entity": "inspection_defect", "op": "delete", "record_id": self.rng.choice(self.refused),
                           "fields": {}}
        if kind == "out_of_scope":
            return base | {"entity": "inspection", "record_id": str(world.INSPECTION_B), "fields": {"notes": "x"}}
        return base | {"entity": "inspection_defect", "fields": defect_fields | {"inspection_id": str(uuid.uuid4())}}


def _run(app, batches, bulk: bool) -> list[dict]:
    answers = []
    with app.app_context():
        for client_id, mutations in batches:
            user = db.session.get(User, world.user_id("inspector_a"))
            payload = {"client_id": client_id, "protocol_version": 1, "schema_version": 1,
                       "mutations": [m | {"record_id": uuid.UUID(m["record_id"])} for m in mutations]}
            answers.append(sync_push.push(user, payload, bulk=bulk))
    return answers


def _timeless(value):
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    if isinstance(value, dt.datetime):
        return "<time>"
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value)
            return "<time>" if "T" in value else value
        except ValueError:
            return value
    return value


def _state(app) -> dict:
    """Everything a push writes, without the clock's readings and generated ids."""
    state = {}
    with app.app_context():
        for resource in entities.ALL:
            table = resource.model.__table__
            columns = [c for c in table.columns if not isinstance(c.type, DateTime)]
            rows = db.session.execute(select(*columns).order_by(table.c.id)).all()
            state[table.name] = [_timeless(dict(row._mapping)) for row in rows]
        state["audit"] = sorted(
            (str(a.version), a.table_name, str(a.record_id), a.action, repr(_timeless(a.changes)), a.source,
             a.client_id or "") for a in db.session.scalars(select(AuditEntry)))
        state["conflicts"] = sorted(
            (c.entity, str(c.record_id), c.field, repr(c.stored_value), repr(c.incoming_value), c.stored_version,
             c.client_id, c.mutation_id) for c in db.session.scalars(select(SyncConflict)))
        state["rejections"] = sorted(
            (r.client_id, r.mutation_id, r.entity, r.record_id, r.op, r.code, r.message, repr(r.details))
            for r in db.session.scalars(select(SyncRejection)))
    return state


def _comparable(answers: list[dict]) -> list[dict]:
    """Answers with the generated conflict ids replaced by their order of appearance, and no times."""
    names: dict[str, str] = {}
    for answer in answers:
        for result in answer["results"]:
            for derived in (result.get("derived", {}), (result.get("outcome") or {}).get("derived", {})):
                for stamp in ("created_at", "updated_at"):  # the clock's, different in each app
                    if stamp in derived:
                        derived[stamp] = "<time>"
    text = repr(answers)
    for answer in answers:
        for result in answer["results"]:
            for conflict in result.get("conflicts", []) + (result.get("outcome") or {}).get("conflicts", []):
                names.setdefault(conflict["id"], f"conflict-{len(names)}")
    for generated, name in names.items():
        text = text.replace(generated, name)
    return text


def test_bulk_and_one_by_one_give_the_same_database_audit_and_answers(twin_apps):
    print(f"SEAMLINE_SEED={SEED}")
    workload = _Workload(random.Random(SEED))
    clients = list(workload.next_id)
    batches = [(clients[n % 2], workload.batch(clients[n % 2])) for n in range(BATCHES)]
    bulk_app, single_app = twin_apps
    bulk_answers = _run(bulk_app, batches, bulk=True)
    single_answers = _run(single_app, batches, bulk=False)
    statuses = {r["status"] for a in bulk_answers for r in a["results"]}
    # The workload exercised what it is meant to: applied, refused, conflicting and repeated mutations.
    assert {"applied", "rejected", "applied_with_conflicts", "duplicate"} <= statuses, statuses
    assert _comparable(bulk_answers) == _comparable(single_answers)
    assert _state(bulk_app) == _state(single_app)
    # The results go out as the service builds them (server.schemas.sync.JsonReadyList): JSON values, in exactly
    # the shape their schema documents.
    for answer in bulk_answers:
        assert PushResultSchema(many=True).dump(answer["results"]) == answer["results"]
        assert json.loads(json.dumps(answer["results"])) == answer["results"]


def test_a_refusal_by_the_database_itself_falls_back_and_loses_nothing(app):
    """Two factories with one code pass every rule in memory; the flush refuses the second (a unique
    constraint), the batch is applied again one mutation at a time, and only that mutation is rejected."""
    fields = {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE), "severity": "minor"}
    factory = {"code": "DUP-1", "name": "Twin", "country": "VN"}
    with app.app_context():
        admin = db.session.get(User, world.user_id("admin"))
        answer = sync_push.push(admin, {"client_id": "admin-phone-0123456789", "protocol_version": 1,
                                        "schema_version": 1, "mutations": [
            {"id": 1, "entity": "inspection_defect", "op": "upsert", "record_id": uuid.uuid4(), "fields": fields},
            {"id": 2, "entity": "factory", "op": "upsert", "record_id": uuid.uuid4(), "fields": factory},
            {"id": 3, "entity": "factory", "op": "upsert", "record_id": uuid.uuid4(), "fields": factory},
            {"id": 4, "entity": "inspection_defect", "op": "upsert", "record_id": uuid.uuid4(), "fields": fields},
        ]})
    assert [r["status"] for r in answer["results"]] == ["applied", "applied", "rejected", "applied"]
    assert answer["results"][2]["code"] == "conflict" and answer["last_mutation_id"] == 4


def test_a_batch_naming_its_own_new_records_is_written_in_one_flush(app, monkeypatch):
    """An inspection with its items, critical defects (each opening the inspection's corrective action),
    measurements and checklist answers, all new in one batch: every child names a parent the same flush
    inserts, so the flush must insert parents first. Had the database refused the flush, the batch would
    silently fall back to one savepoint per mutation (same answers, many times slower)."""
    fell_back = []
    monkeypatch.setattr(sync_push, "_applied_one_by_one",
                        lambda user, client, mutations: fell_back.append(len(mutations)) or {})
    inspection = uuid.uuid4()
    children = [
        ("inspection_item", {"style_id": str(world.STYLE), "purchase_order_line_id": str(world.PO_LINE_A),
                             "quantity": 500}),
        ("inspection_defect", {"defect_type_id": str(world.DEFECT_TYPE), "severity": "critical", "note": "a"}),
        ("inspection_defect", {"defect_type_id": str(world.DEFECT_TYPE), "severity": "critical", "note": "b"}),
        ("measurement_result", {"measurement_spec_id": str(world.SPEC), "measured_value": "52.00"}),
        ("checklist_result", {"item_code": "FI-001", "result": "pass"}),
    ]
    mutations = [{"id": 1, "entity": "inspection", "op": "upsert", "record_id": inspection,
                  "fields": {"inspection_type": "inline", "lot_size": 800, "factory_id": str(world.FACTORY_A)}}]
    mutations += [{"id": n, "entity": entity, "op": "upsert", "record_id": uuid.uuid4(),
                   "fields": fields | {"inspection_id": str(inspection)}}
                  for n, (entity, fields) in enumerate(children, start=2)]
    with app.app_context():
        user = db.session.get(User, world.user_id("inspector_a"))
        answer = sync_push.push(user, {"client_id": "phone-one-0123456789", "protocol_version": 1,
                                       "schema_version": 1, "mutations": mutations})
        action = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection))
    assert fell_back == []
    assert [r["status"] for r in answer["results"]] == ["applied"] * len(mutations), answer["results"]
    assert action is not None and action.status == "open"


def test_edits_read_what_their_records_name_a_query_per_entity(app):
    """An edit names only the field it changes, yet the rules read what its record refers to (a defect's
    inspection: is it finalized?). The push reads those a query per entity, so pushing 12 edits takes as many
    statements as pushing 3, not 9 more one-row lookups."""
    client_id = "phone-one-0123456789"
    defects = [uuid.uuid4() for _ in range(15)]
    created = []
    for n, defect in enumerate(defects):
        inspection = uuid.uuid4()
        created += [{"id": 2 * n + 1, "entity": "inspection", "op": "upsert", "record_id": inspection,
                     "fields": {"inspection_type": "inline", "lot_size": 800, "factory_id": str(world.FACTORY_A)}},
                    {"id": 2 * n + 2, "entity": "inspection_defect", "op": "upsert", "record_id": defect,
                     "fields": {"inspection_id": str(inspection), "defect_type_id": str(world.DEFECT_TYPE),
                                "severity": "minor"}}]

    def push(mutations) -> tuple[dict, int]:
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        with app.app_context():
            db.session.remove()  # nothing of an earlier push in the session
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                user = db.session.get(User, world.user_id("inspector_a"))
                answer = sync_push.push(user, {"client_id": client_id, "protocol_version": 1, "schema_version": 1,
                                               "mutations": mutations})
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        assert {r["status"] for r in answer["results"]} == {"applied"}, answer["results"]
        return answer, len(statements)

    versions = {r["id"]: r["version"] for r in push(created)[0]["results"]}
    next_id = len(created) + 1

    def edits(chosen: list[uuid.UUID]) -> list[dict]:
        nonlocal next_id
        made = [{"id": next_id + n, "entity": "inspection_defect", "op": "upsert", "record_id": defect,
                 "fields": {"note": f"edited {n}"}, "base_version": versions[2 * defects.index(defect) + 2]}
                for n, defect in enumerate(chosen)]
        next_id += len(made)
        return made

    _, few = push(edits(defects[:3]))
    _, many = push(edits(defects[3:15]))
    assert many == few


def test_what_a_refused_mutation_made_before_its_refusal_is_not_written(app):
    """A critical defect opens its inspection's corrective action before its references are checked; naming an
    unknown defect type, it is refused, and the action it opened must not be written with the batch's new
    records (the rules run before anything of the batch is in the session or the database)."""
    inspection, refused, kept = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    defect = {"inspection_id": str(inspection), "severity": "critical", "note": "open seam"}
    mutations = [
        {"id": 1, "entity": "inspection", "op": "upsert", "record_id": inspection,
         "fields": {"inspection_type": "inline", "lot_size": 800, "factory_id": str(world.FACTORY_A)}},
        {"id": 2, "entity": "inspection_defect", "op": "upsert", "record_id": refused,
         "fields": defect | {"defect_type_id": str(uuid.uuid4())}},
        {"id": 3, "entity": "inspection_defect", "op": "upsert", "record_id": kept,
         "fields": defect | {"defect_type_id": str(world.DEFECT_TYPE), "severity": "minor"}},
    ]
    with app.app_context():
        user = db.session.get(User, world.user_id("inspector_a"))
        answer = sync_push.push(user, {"client_id": "phone-one-0123456789", "protocol_version": 1,
                                       "schema_version": 1, "mutations": mutations})
        actions = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection))
        audited = set(db.session.scalars(select(AuditEntry.record_id).where(AuditEntry.source == "sync")))
        assert [r["status"] for r in answer["results"]] == ["applied", "rejected", "applied"], answer["results"]
        assert answer["results"][1]["fields"] == {"defect_type_id": ["Unknown defect type."]}
        assert list(actions) == []
        assert {inspection, kept} <= audited and refused not in audited
        assert db.session.get(entities.BY_ENTITY["inspection_defect"].model, refused) is None
