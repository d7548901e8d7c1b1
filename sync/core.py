"""The pure parts of the sync protocol: batch planning, cursors, scope fingerprints, conflicts.

Table-testable: no I/O, no Flask, no database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SUPPORTED_PROTOCOL_VERSIONS = frozenset({1})
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})
# Mutations per push (PROTOCOL.md 2.9). A phone's first push of a day's work is thousands of small
# mutations; fewer round trips matter more on 2G than batch size does. The body limit (MAX_CONTENT_LENGTH,
# inflated size when gzipped) bounds a batch of big mutations before this does.
MAX_BATCH = 5000
# What a mutation's `op` may be: upsert and delete for every entity, and the named operations some
# entities declare in the server's registry (which decides, per entity, whether one applies).
OPERATIONS = ("upsert", "delete", "finalize")
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 2000


class ProtocolError(Exception):
    """A push or pull that breaks the protocol; ``code`` is the error code clients see."""

    def __init__(self, code: str, message: str, details: dict | None = None, status: int = 409):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status  # the HTTP status a server answers it with


def check_versions(protocol_version: int, schema_version: int) -> None:
    """PROTOCOL.md 6.1: refuse unsupported versions before touching anything."""
    if protocol_version not in SUPPORTED_PROTOCOL_VERSIONS or schema_version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ProtocolError(
            "client_outdated",
            "This app version can no longer sync; update it. Your unsynced changes are kept.",
            {"supported_protocol_versions": sorted(SUPPORTED_PROTOCOL_VERSIONS),
             "supported_schema_versions": sorted(SUPPORTED_SCHEMA_VERSIONS)},
        )


@dataclass(frozen=True)
class PlannedMutation:
    mutation: Mapping[str, Any]
    duplicate: bool

    @property
    def id(self) -> int:
        return self.mutation["id"]


def plan_batch(last_mutation_id: int, mutations: Iterable[Mapping[str, Any]]) -> list[PlannedMutation]:
    """Order a batch and mark what was seen before (PROTOCOL.md 2.3, 2.4).

    Mutations at or below ``last_mutation_id`` are duplicates. The new ones
    must continue the numbering without a gap; a batch that does not is
    refused whole. A mutation repeated inside one batch is handled once.
    """
    by_id: dict[int, Mapping[str, Any]] = {}
    for mutation in mutations:
        by_id.setdefault(mutation["id"], mutation)
    planned = []
    expected = last_mutation_id + 1
    for mutation_id in sorted(by_id):
        if mutation_id <= last_mutation_id:
            planned.append(PlannedMutation(by_id[mutation_id], duplicate=True))
            continue
        if mutation_id != expected:
            raise ProtocolError("mutation_gap", f"Mutation {expected} is missing; send mutations in order from it.",
                                {"expected": expected, "last_mutation_id": last_mutation_id})
        planned.append(PlannedMutation(by_id[mutation_id], duplicate=False))
        expected += 1
    return planned


def awaits_earlier_push(last_mutation_id: int, mutations: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a batch refused for a gap may be waiting on an earlier push of its client (PROTOCOL.md 2.4.1).

    True when the batch is whole in itself (its ids consecutive) and starts past last + 1: the missing
    mutations may be in a push that is still on its way, and the batch applies once that one has.
    A hole inside the batch, or a batch that repeats what the server holds and then skips, never closes."""
    ids = sorted({mutation["id"] for mutation in mutations})
    return bool(ids) and ids[0] > last_mutation_id + 1 and ids[-1] - ids[0] == len(ids) - 1


# --- operations -------------------------------------------------------------------------------

# Fields an app older than the finalize operation sent in its finalizing upsert.
_LEGACY_FINALIZE_CLAIMS = ("status", "verdict", "verdict_critical", "verdict_major", "verdict_minor",
                           "finished_at", "plan")


def legacy_finalize(entity: str, op: str, fields: Mapping[str, Any]) -> list[tuple[str, dict]] | None:
    """The steps of a finalize queued by an app from before ``op: "finalize"`` (PROTOCOL.md 2.1), or None.

    Such an app sent an upsert of the inspection with ``status: "finalized"`` and its verdict; phones
    updated with that mutation still waiting must lose nothing, so it becomes an upsert of its other
    fields followed by the finalize operation.
    """
    if entity != "inspection" or op != "upsert" or fields.get("status") != "finalized":
        return None
    other = {k: v for k, v in fields.items() if k not in _LEGACY_FINALIZE_CLAIMS}
    claim: dict[str, Any] = {"verdict": {"critical": fields.get("verdict_critical"),
                                         "major": fields.get("verdict_major"),
                                         "minor": fields.get("verdict_minor"),
                                         "overall": fields.get("verdict")}}
    if fields.get("finished_at"):
        claim["finished_at"] = fields["finished_at"]
    return ([("upsert", other)] if other else []) + [("finalize", claim)]


# --- conflicts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDecision:
    apply: dict[str, Any]  # field -> incoming value to write
    conflicts: dict[str, Any]  # field -> incoming value kept aside, the stored one wins
    unchanged: tuple[str, ...]


def decide_fields(
    incoming: Mapping[str, Any],
    stored: Mapping[str, Any],
    field_versions: Mapping[str, int],
    base_version: int | None,
    written_by_this_client: Iterable[str] = (),
) -> FieldDecision:
    """Field-level conflict rule (PROTOCOL.md 5.2).

    A field conflicts when it changed on the server after the version the
    client based its edit on, the change was not the client's own, and the
    values differ. Every other changed field applies.
    """
    base = base_version or 0
    own = set(written_by_this_client)
    apply: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    unchanged = []
    for field, value in incoming.items():
        if stored.get(field) == value:
            unchanged.append(field)
        elif field_versions.get(field, 0) > base and field not in own:
            conflicts[field] = value
        else:
            apply[field] = value
    return FieldDecision(apply, conflicts, tuple(unchanged))


# --- cursors and scope ------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Position in the change stream: every change ordered before (version, rank, record id) is delivered.

    ``scope`` fingerprints what the user could see when the stream began; a
    different scope means the replica must be rebuilt.
    """

    database_id: str
    version: int
    rank: int
    record_id: str  # hex of a UUID, or "" for "before every record of this rank"
    scope: str

    def encode(self) -> str:
        raw = json.dumps([self.database_id, self.version, self.rank, self.record_id, self.scope],
                         separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            database_id, version, rank, record_id, scope = json.loads(raw)
            if not (isinstance(version, int) and isinstance(rank, int) and version >= 0 and rank >= 0):
                raise ValueError("bad numbers")
            if record_id:
                uuid.UUID(hex=record_id)
            return cls(str(database_id), version, rank, str(record_id), str(scope))
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProtocolError("invalid_cursor", "The cursor is not one this server made.",
                                {"cursor": ["The cursor is not one this server made."]}, status=400) from exc


def scope_fingerprint(role: str, factory_ids: Iterable[uuid.UUID | str]) -> str:
    text = role + ":" + ",".join(sorted(str(f) for f in factory_ids))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def reset_reason(cursor: Cursor | None, database_id: str, scope: str, purged_through: int) -> str | None:
    """Why a pull cannot continue from ``cursor`` (PROTOCOL.md 3.6), or None when it can."""
    if cursor is None:
        return None
    if cursor.database_id != database_id:
        return "database_changed"
    if cursor.scope != scope:
        return "scope_changed"
    if cursor.version < purged_through:
        return "cursor_expired"
    return None
