"""Devices: the app installations that sync (``SyncClient`` rows), listed and revoked.

An admin revokes a lost device; from then on push and pull with its client_id
answer 403 ``client_revoked`` (PROTOCOL.md 1.3, checked in sync_push.bound_client
and sync_pull.pull). A device that turns up again can be reinstated, so that the
changes still waiting in its outbox reach the server instead of being stranded.

``SyncClient`` is sync bookkeeping, not a domain record: its writes do not go
through ``changes.recording`` and leave no audit entry. Who revoked a device is
kept on the row itself (``revoked_by_id``) and written to the log.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select

from server.errors import not_found
from server.extensions import db
from server.models import SyncClient, User
from server.models.base import utcnow
from server.services.auth import end_all_sessions

log = logging.getLogger("seamline.devices")


def list_devices(actor: User, user_id: uuid.UUID | None, page: int, page_size: int) -> tuple[list[dict], int]:
    """Admins see every device (or one user's); everyone else sees only their own. Latest seen first."""
    stmt = select(SyncClient, User).join(User, User.id == SyncClient.user_id)
    if actor.role != "admin":
        stmt = stmt.where(SyncClient.user_id == actor.id)
    if user_id is not None:
        stmt = stmt.where(SyncClient.user_id == user_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(
        stmt.order_by(SyncClient.last_seen_at.desc(), SyncClient.client_id).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return [_describe(client, user) for client, user in rows], total


def revoke_device(actor: User, client_id: str, end_sessions: bool = False) -> dict:
    """Refuse the device from now on. Revoking it again keeps the first revocation's time and admin.

    ``end_sessions`` also ends every login session of the device's user: revoking stops the device
    syncing, but a lost phone still logged in could otherwise keep reading through the API.
    """
    client = _get(client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        client.revoked_by_id = actor.id
    if end_sessions:
        end_all_sessions(client.user_id)
    db.session.commit()
    log.info("device %s of user %s revoked by %s (sessions ended: %s)", client_id, client.user_id, actor.id,
             end_sessions)
    return _describe(client, db.session.get(User, client.user_id))


def reinstate_device(actor: User, client_id: str) -> dict:
    """Accept a revoked device again; it resumes where its mutation numbering left off."""
    client = _get(client_id)
    if client.revoked_at is not None:
        client.revoked_at = None
        client.revoked_by_id = None
        db.session.commit()
        log.info("device %s of user %s reinstated by %s", client_id, client.user_id, actor.id)
    return _describe(client, db.session.get(User, client.user_id))


def _get(client_id: str) -> SyncClient:
    client = db.session.get(SyncClient, client_id)
    if client is None:
        raise not_found("device")
    return client


def _describe(client: SyncClient, user: User) -> dict:
    return {
        "client_id": client.client_id,
        "user_id": client.user_id,
        "user_email": user.email,
        "user_name": user.display_name,
        "user_agent": client.user_agent or None,
        "created_at": client.created_at,
        "last_seen_at": client.last_seen_at,
        "last_mutation_id": client.last_mutation_id,
        "revoked_at": client.revoked_at,
        "revoked_by_id": client.revoked_by_id,
    }
