"""The part of a push that needs no database: done before the write lock is taken (PROTOCOL.md 2.4.1).

A client may keep two pushes in flight, and while one holds the write lock the other can get ready. A
mutation's fields are validated by the schema its registry entry names, and that depends only on what was
sent and on whether the mutation creates its record. Whether it does is known only under the lock (the
record may already exist), so each upsert is loaded here as the creation it most likely is (a record the
client created and never received back: no `base_version`), and the push takes that load only when the
guess holds. Anything else (a delete, a named operation, an old app's finalizing upsert, a wrong guess) is
loaded under the lock as before, so the outcome never depends on what was loaded ahead.
"""

from __future__ import annotations

from marshmallow import ValidationError

from server.services import entities, operations
from sync.core import legacy_finalize


class LoadsAhead:
    """Each mutation's fields, validated before the lock: the loaded data, or the error to raise."""

    def __init__(self, mutations: list[dict]):
        self._loaded: dict[int, dict | ValidationError] = {}
        for mutation in mutations:
            resource = entities.BY_ENTITY.get(mutation["entity"])
            if resource is None or not self._guessed_creating(mutation):
                continue
            fields = dict(mutation.get("fields") or {})
            if legacy_finalize(mutation["entity"], mutation["op"], fields):
                continue  # two steps under the lock, the second depending on the first
            try:
                self._loaded[mutation["id"]] = operations.load(resource, "upsert", fields, creating=True)
            except ValidationError as error:
                self._loaded[mutation["id"]] = error

    @staticmethod
    def _guessed_creating(mutation: dict) -> bool:
        return mutation["op"] == "upsert" and mutation.get("base_version") is None

    def take(self, mutation: dict, op: str, creating: bool) -> dict | None:
        """The load of this step made ahead, once (the caller may change the data), or None: load it now.

        Raises the schema's error as loading it now would."""
        if op != "upsert" or not creating:
            return None
        loaded = self._loaded.pop(mutation["id"], None)
        if isinstance(loaded, ValidationError):
            raise loaded
        return loaded


NOTHING_AHEAD = LoadsAhead([])
