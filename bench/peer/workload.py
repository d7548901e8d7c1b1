"""The peer benchmark's workload: N inspections with 5 defects each, the same for every system.

Generated from a seed, so every system (and every repeat) gets the same field values. Record ids and the
references to the target's factory, production order and inspector differ per target (each system pushes
into its own factory on the shared Seamline server, so no client pulls another's records back), and are
derived from the seed too (uuid5), so a run is reproducible.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass

DEFECTS_PER_INSPECTION = 5
SEVERITIES = ("critical", "major", "major", "minor", "minor", "minor")
NOTES = ("open seam at side", "broken stitch on hem", "stain on front panel", "skipped stitch, collar",
         "uneven hem", "loose thread", "shade difference left sleeve", "puckering at shoulder", None)
INSPECTION_NOTES = ("first lot of the order", "re-check of the shade band", "packing in progress", None)


@dataclass(frozen=True)
class Target:
    """Where a system's records go: its factory, production order, inspector and the defect types it uses."""
    name: str
    factory_id: str
    production_order_id: str
    inspector_id: str
    defect_type_ids: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    entity: str          # "inspection" or "inspection_defect"
    id: str
    fields: dict         # everything but the id, as a client creates it

    def as_json(self) -> dict:
        return {"id": self.id, **self.fields}


def generate(inspections: int, seed: int, target: Target) -> list[Record]:
    """Each inspection followed by its 5 defects, in the order an inspector would record them."""
    rng = random.Random(seed)
    ids = _ids(seed, target.name)
    records: list[Record] = []
    for n in range(inspections):
        inspection_id = next(ids)
        records.append(Record("inspection", inspection_id, {
            "inspection_type": rng.choice(("inline", "final")), "factory_id": target.factory_id,
            "production_order_id": target.production_order_id, "inspector_id": target.inspector_id,
            "lot_size": rng.randint(200, 5000), "inspection_level": "II", "status": "in_progress",
            "started_at": f"2026-11-{1 + n % 28:02d}T{8 + n % 9:02d}:{n % 60:02d}:00+00:00",
            "notes": rng.choice(INSPECTION_NOTES)}))
        for _ in range(DEFECTS_PER_INSPECTION):
            records.append(Record("inspection_defect", next(ids), {
                "inspection_id": inspection_id, "defect_type_id": rng.choice(target.defect_type_ids),
                "severity": rng.choice(SEVERITIES), "note": rng.choice(NOTES),
                "sample_unit": rng.randint(1, 200)}))
    return records


def changes(records: list[Record], fraction: float, seed: int) -> list[Record]:
    """Edits of ``fraction`` of the records (every k-th one): a new note, the field both entities can change."""
    rng = random.Random(seed + 1)
    step = max(1, round(1 / fraction))
    edited = []
    for record in records[::step]:
        field = "notes" if record.entity == "inspection" else "note"
        edited.append(Record(record.entity, record.id, {field: f"changed {rng.randint(1, 1_000_000)}"}))
    return edited


def raw_json_bytes(records: list[Record]) -> int:
    """The records as compact JSON, one object each: what 'the raw JSON' of the workload weighs."""
    return sum(len(json.dumps(r.as_json(), separators=(",", ":")).encode()) for r in records)


def _ids(seed: int, namespace: str):
    n = 0
    while True:
        yield str(uuid.uuid5(uuid.NAMESPACE_URL, f"seamline-peer-bench/{seed}/{namespace}/{n}"))
        n += 1
