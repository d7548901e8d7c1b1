"""Which writers may run side by side on PostgreSQL, and the locks that keep the others in turn.

The change counter used to be taken first thing in every writing transaction, and its row lock made
each writer wait until the one before had committed. Every read-check-write step of the server leans
on that: a conflict judged against the stored ``field_versions``, "a finalized inspection takes no
more defects", a device bound to its first user, a mutation applied exactly once. The counter is now
taken as late as possible (:mod:`server.services.changes`), so those guarantees are kept here
instead, by PostgreSQL advisory locks held until commit and taken before the transaction's first read:

- a writer runs alone: an exclusive lock on the whole server. That is the default.
- a writer *confined* to some factories -- a sync push by an inspector or a factory user whose batch
  names only factory-scoped entities (:func:`confinement_of_push`) -- takes the server lock shared,
  then its device's lock, then a lock per factory of its user's scope, in that order (every writer
  takes its locks in one order, so they cannot deadlock on them).

So two confined writers overlap only when their devices and factories all differ. What such a writer
reads and another confined writer may be writing at the same time is limited to records of the other's
factories, which its scope check refuses whatever they hold (``not_found``), and its own device's
rows (device, rejections, conflicts) are its alone. Everything else it reads (users and their
factories, reference data, stored photo bytes) only a writer running alone changes, and none runs
while a confined writer holds the shared server lock. Each confined writer therefore reads exactly
what it would have read had the writers run one after another, and ends the same way.

SQLite lets in one writer at a time anyway (``BEGIN IMMEDIATE``, :mod:`server.database`): nothing
is taken there.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.errors import ApiError

# First key of every advisory lock Seamline takes (pg_advisory_xact_lock(int4, int4)), by kind.
_SERVER, _DEVICE, _FACTORY = 0x5EA0, 0x5EA1, 0x5EA2
# Roles whose records are confined to their factories (sync_pull._in_scope replicates them that way).
CONFINABLE_ROLES = ("inspector", "factory")


@dataclass(frozen=True)
class Confinement:
    """A writer that touches only its own device's rows and the records of ``factory_ids``."""

    user: object
    client_id: str
    factory_ids: frozenset[uuid.UUID]


def confinement_of_push(user, client_id: str, mutations: list[dict]) -> Confinement | None:
    """How narrow a push is: confined to its user's factories, or None (it runs alone).

    Confined only when every mutation names a factory-scoped entity: reference data (styles, defect
    types, ...) is written by admins, whose pushes run alone like every other writer."""
    from server.services import entities  # entities imports the services that import this module

    if user.role not in CONFINABLE_ROLES or not user.factory_ids:
        return None
    for entity in {mutation.get("entity") for mutation in mutations}:
        resource = entities.BY_ENTITY.get(entity)
        if resource is None or any(resource is reference for reference in entities.REFERENCE):
            return None
    return Confinement(user=user, client_id=client_id, factory_ids=frozenset(user.factory_ids))


def take(session: Session, confinement: Confinement | None) -> None:
    """Take the transaction's write locks, first thing (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if confinement is None:
        _lock(session, "pg_advisory_xact_lock", _SERVER, 0)
        return
    _lock(session, "pg_advisory_xact_lock_shared", _SERVER, 0)
    # The user's role and factories were read before the server lock; now no admin can change them
    # until this transaction ends. A push confined by what they were is refused as transient (the
    # client retries the same batch, PROTOCOL.md 2.6) when they have changed since.
    user = confinement.user if confinement.user in session else session.get(type(confinement.user),
                                                                            confinement.user.id)
    session.expire(user)
    if user.role not in CONFINABLE_ROLES or not user.factory_ids <= confinement.factory_ids:
        raise ApiError(503, "unavailable", "Your account changed during the sync; try again.")
    _lock(session, "pg_advisory_xact_lock", _DEVICE, _key(confinement.client_id))
    for key in sorted({_key(str(f)) for f in confinement.factory_ids}):
        _lock(session, "pg_advisory_xact_lock", _FACTORY, key)


def _lock(session: Session, function: str, kind: int, key: int) -> None:
    session.execute(text(f"SELECT {function}(:kind, :key)"), {"kind": kind, "key": key})


def _key(name: str) -> int:
    """A stable 32-bit key for a name. Two names sharing one only makes their writers take turns."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big", signed=True)
