"""After restoring the database from a backup: give it a new identity (PROTOCOL.md 3.6, 6.3).

A restored database has lost what was written after the backup, but it still
carries the old ``database_id``, and its change counter restarts below numbers
phones have already seen: their pull cursors would skip the changes written
after the restore that reuse those numbers. A new ``database_id`` makes every
phone's next pull a ``reset`` (it rebuilds its replica from the beginning), and
the ``last_mutation_id`` the server answers, lower than what the phone had seen
acknowledged, makes it push those mutations again from its journal.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from server.extensions import db
from server.models import SyncState
from server.services import write_locks


def mark_restored() -> tuple[uuid.UUID, uuid.UUID]:
    """Give the database a new ``database_id``; returns (old, new)."""
    session = db.session()
    # Run alone: no push or pull is half-way through with the old identity meanwhile.
    write_locks.take(session, None)
    state = session.execute(select(SyncState).where(SyncState.id == 1).with_for_update()).scalar_one()
    old, new = state.database_id, uuid.uuid4()
    session.execute(update(SyncState).where(SyncState.id == 1).values(database_id=new))
    session.commit()
    return old, new
