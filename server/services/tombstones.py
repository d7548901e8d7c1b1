"""Purging tombstones older than the retention that PROTOCOL.md 3.6 promises (180 days at least).

Deleted records stay as tombstones so that phones learn of deletes. After the
retention they go, and a pull cursor older than the newest purged tombstone
can no longer be continued: the server answers it ``reset`` with reason
``cursor_expired`` (the phone then rebuilds its replica; its outbox is kept).
The audit trail keeps every change, purged records included.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, exists, func, select, update

from server.extensions import db
from server.models import SyncState, Versioned
from server.models.base import utcnow
from server.services import write_locks

MIN_RETENTION_DAYS = 180


def purge(older_than_days: int = MIN_RETENTION_DAYS) -> dict[str, int]:
    """Hard-delete tombstones deleted more than ``older_than_days`` ago; returns the count per table.

    A tombstone still referenced by another row (a deleted inspection's deleted defects, say) is kept
    until its referrers go: tables are purged children first, in one transaction.
    """
    if older_than_days < MIN_RETENTION_DAYS:
        raise ValueError(f"the retention is at least {MIN_RETENTION_DAYS} days (PROTOCOL.md 3.6)")
    cutoff = utcnow() - timedelta(days=older_than_days)
    domain_tables = [t for t in db.metadata.sorted_tables if t.name in _versioned_tables()]
    purged: dict[str, int] = {}
    purged_through = 0
    session = db.session()
    # Run alone (server.services.write_locks): no push is between its checks and its writes meanwhile.
    write_locks.take(session, None)
    # Take the counter row's lock first: no pull reads a half-purged state.
    state = session.execute(select(SyncState).where(SyncState.id == 1).with_for_update()).scalar_one()
    for table in reversed(domain_tables):
        doomed = and_(table.c.deleted_at.is_not(None), table.c.deleted_at < cutoff,
                      *[~exists().where(referrer == table.c.id) for referrer in _references_to(table)])
        newest = session.scalar(select(func.max(table.c.server_version)).where(doomed))
        if newest is None:
            continue
        # Core statements on purpose: the ORM refuses hard deletes of domain records everywhere else.
        purged[table.name] = session.execute(delete(table).where(doomed)).rowcount
        purged_through = max(purged_through, newest)
    if purged_through > state.tombstones_purged_through:
        session.execute(update(SyncState).where(SyncState.id == 1)
                        .values(tombstones_purged_through=purged_through))
    session.commit()
    return purged


def _versioned_tables() -> set[str]:
    return {mapper.local_table.name for mapper in db.Model.registry.mappers
            if issubclass(mapper.class_, Versioned)}


def _references_to(table):
    """Every column of any table holding a foreign key to ``table``'s id, through an alias of its table so
    that a table referring to itself (a re-inspection's original) is correlated correctly."""
    referrers = []
    for other in db.metadata.sorted_tables:
        for column in other.columns:
            if any(key.column.table is table and key.column.name == "id" for key in column.foreign_keys):
                referrers.append(other.alias().c[column.name])
    return referrers
