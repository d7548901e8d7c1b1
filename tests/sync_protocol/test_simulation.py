"""A seeded, randomized simulation: many offline clients, a faulty network, server restarts.

After everyone reconnects and syncs, every replica must equal the server's
state, and the server's state must equal a sequential replay of what the
clients did: nothing lost, nothing duplicated. The seed is printed; set
SEAMLINE_SEED to replay a failure, SEAMLINE_SOAK=1 for a larger run.
"""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field

import world
from apps import dispose, make_app
from sqlalchemy import select
from sync_protocol.netsim import AppTransport, FaultyNetwork

from server.extensions import db
from server.models import Inspection, InspectionDefect, MilestoneEvent
from sync.client import NetworkError

SOAK = os.environ.get("SEAMLINE_SOAK") == "1"
SEED = int(os.environ.get("SEAMLINE_SEED", "20261123"))
CLIENTS = 24 if SOAK else 10
OPERATIONS_PER_CLIENT = 1000 if SOAK else 200


@dataclass
class Expected:
    """What one client did, replayed sequentially: the oracle the server must match."""

    defects: dict[str, str | None] = field(default_factory=dict)  # live defect id -> note
    deleted: set[str] = field(default_factory=set)
    milestones: set[str] = field(default_factory=set)
    inspections: set[str] = field(default_factory=set)


def test_random_offline_clients_converge(app, make_client, templates, tmp_path, backend):
    seed = SEED
    print(f"sync simulation seed={seed} clients={CLIENTS} operations/client={OPERATIONS_PER_CLIENT} ({backend})")
    rng = random.Random(seed)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    apps = [app]
    transports, networks, clients, expected = [], [], [], []
    for n in range(CLIENTS):
        persona = "inspector_a" if n % 2 == 0 else "inspector_b"
        transport = AppTransport(app)
        network = FaultyNetwork(transport, random.Random(seed * 1000 + n))
        transports.append(transport)
        networks.append(network)
        clients.append((persona, make_client(persona, f"sim{n}", transport=network)))
        expected.append(Expected())

    def try_sync(client):
        try:
            client.sync()
        except NetworkError:
            pass  # retries ran out; everything stays in the outbox for next time

    for _step in range(OPERATIONS_PER_CLIENT):
        for n, (persona, client) in enumerate(clients):
            _random_operation(rng, persona, client, expected[n])
            if rng.random() < 0.08:
                try_sync(client)
        if rng.random() < 0.02:  # the server restarts: a new process on the same database
            new_app = make_app(url, tmp_path)
            apps.append(new_app)
            for transport in transports:
                transport.app, transport.client = new_app, new_app.test_client()

    for network in networks:
        network.enabled = False
    for _ in range(2):
        for _persona, client in clients:
            client.sync()

    faults = {k: sum(n.faults[k] for n in networks) for k in networks[0].faults}
    print(f"faults injected: {faults}; server restarts: {len(apps) - 1}")
    assert faults["dropped"] and faults["answers_lost"] and faults["duplicated"], faults
    context = f"(seed {seed})"
    for _persona, client in clients:
        assert client.pending() == 0, context
        assert client.rejections() == [], f"{client.rejections()[:3]} {context}"
        assert client.conflicts() == [], context

    with app.app_context():
        live_defects = {str(d.id): d.note for d in db.session.scalars(
            select(InspectionDefect).where(InspectionDefect.deleted_at.is_(None)))}
        deleted_defects = {str(i) for i in db.session.scalars(
            select(InspectionDefect.id).where(InspectionDefect.deleted_at.is_not(None)))}
        milestones = {str(i) for i in db.session.scalars(select(MilestoneEvent.id))}
        inspections = {str(i) for i in db.session.scalars(select(Inspection.id))}
        factory_of = {str(d.id): d.factory_id for d in db.session.scalars(select(InspectionDefect))}

    want_defects = {str(world.DEFECT_A): "left sleeve"}
    for e in expected:
        want_defects.update(e.defects)
    assert live_defects == want_defects, context
    assert deleted_defects == set().union(*(e.deleted for e in expected)), context
    assert milestones == {str(world.MILESTONE_A)} | set().union(*(e.milestones for e in expected)), context
    assert inspections == {str(world.INSPECTION_A), str(world.INSPECTION_B)} | set().union(
        *(e.inspections for e in expected)), context

    for persona, client in clients:
        factory = world.PERSONAS[persona][2][0]
        replica = client.records("inspection_defect")
        in_scope = {d: note for d, note in live_defects.items() if factory_of[d] == factory}
        assert {d: f.get("note") for d, f in replica.items()} == in_scope, context

    for extra in apps[1:]:
        dispose(extra)


def _random_operation(rng: random.Random, persona: str, client, mine: Expected) -> None:
    factory = str(world.PERSONAS[persona][2][0])
    inspections = [i for i, f in client.records("inspection").items()
                   if f.get("factory_id", factory) == factory and f.get("status") != "finalized"]
    roll = rng.random()
    if roll < 0.45 and inspections:
        note = rng.choice([None, "open seam", "stain on front", "<b>broken</b> stitch"])
        defect = client.upsert("inspection_defect", {
            "inspection_id": rng.choice(inspections), "defect_type_id": str(world.DEFECT_TYPE),
            "severity": rng.choice(["critical", "major", "minor"]), "note": note,
            "sample_unit": rng.randint(1, 80)})
        mine.defects[defect] = note
    elif roll < 0.65 and mine.defects:
        defect = rng.choice(sorted(mine.defects))
        note = f"note {rng.randint(1, 10_000)}"
        client.upsert("inspection_defect", {"note": note}, defect)
        mine.defects[defect] = note
    elif roll < 0.75 and mine.defects:
        defect = rng.choice(sorted(mine.defects))
        client.delete("inspection_defect", defect)
        del mine.defects[defect]
        mine.deleted.add(defect)
    elif roll < 0.9 and persona == "inspector_a":
        event = client.upsert("milestone_event", {
            "production_order_id": str(world.PROD_ORDER_A), "stage": rng.choice(["cut", "sewing", "packed"]),
            "quantity": rng.randint(0, 1000), "occurred_on": "2026-03-0" + str(rng.randint(1, 9))})
        mine.milestones.add(event)
    else:
        inspection = client.upsert("inspection", {
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "inspection_type": "inline", "factory_id": factory,
            "lot_size": rng.randint(50, 5000)})
        mine.inspections.add(inspection)
