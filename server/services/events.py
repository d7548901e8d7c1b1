"""Announcing events: one outbox row per subscribed webhook endpoint and per e-mail recipient.

``emit`` only adds rows to the current session, inside the transaction of the change it announces: when
that transaction rolls back (a refused finalize, a rejected sync mutation's savepoint) the event never
existed, and when it commits the event is sure to be delivered. Nothing here sends anything; the delivery
worker (``flask --app server deliver``, server/services/delivery.py) drains the outbox, so a request never
waits for a receiver.

Who gets an e-mail: users who chose the event (``EmailSubscription``), are active, and may see the event's
factory (server.authz.factory_scope): an inspector of factory B hears nothing of factory A. An event that
names no factory is e-mailed only to users who see every factory.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from server.authz import factory_scope
from server.extensions import db
from server.models import EmailSubscription, NotificationDelivery, User, WebhookEndpoint
from server.models.base import utcnow
from server.models.vocab import NOTIFICATION_EVENTS
from server.services import changes

# Who subscribes to each event, read once per transaction: a push that opens a corrective action for each of
# hundreds of inspections would otherwise ask twice per event.
_SUBSCRIBERS_KEY = changes.CACHE_PREFIX + "event_subscribers"


def emit(kind: str, payload: dict, factory_id: uuid.UUID | None = None) -> uuid.UUID:
    """Queue ``kind`` with ``payload`` (JSON-able) for every endpoint and recipient subscribed to it.

    ``factory_id`` is the factory the event belongs to (by default the payload's ``factory_id``); it decides
    which users may be e-mailed. Returns the event's id, the same in all its deliveries.
    """
    if kind not in NOTIFICATION_EVENTS:
        raise ValueError(f"unknown notification event {kind!r}")
    if factory_id is None and payload.get("factory_id") is not None:
        factory_id = uuid.UUID(str(payload["factory_id"]))
    event_id = uuid.uuid4()
    now = utcnow()
    body = _jsonable(payload)

    def delivery(**target) -> NotificationDelivery:
        return NotificationDelivery(event_id=event_id, event=kind, payload=body, occurred_at=now,
                                    status="pending", attempts=0, next_attempt_at=now, **target)

    endpoints, subscribers = _subscribers(kind)
    rows = [delivery(channel="webhook", endpoint_id=endpoint_id) for endpoint_id in endpoints]
    rows += [delivery(channel="email", recipient_user_id=user_id, recipient_email=email)
             for user_id, email, scope in subscribers
             if scope is None or (factory_id is not None and factory_id in scope)]
    db.session.add_all(rows)
    return event_id


def _subscribers(kind: str) -> tuple[list[uuid.UUID], list[tuple[uuid.UUID, str, set | None]]]:
    """The webhook endpoints subscribed to ``kind``, and its e-mail subscribers with the factories each may
    see (None: every factory)."""
    cache = db.session.info.setdefault(_SUBSCRIBERS_KEY, {})
    if kind not in cache:
        cache[kind] = (_endpoints_for(kind), [(user.id, user.email, factory_scope(user))
                                              for user in _subscribed_users(kind)])
    return cache[kind]


def _endpoints_for(kind: str) -> list[uuid.UUID]:
    # A handful of endpoints at most: read them all and pick in Python (their events are a JSON list).
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
                                   .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
    return [endpoint.id for endpoint in endpoints if kind in (endpoint.events or [])]


def _subscribed_users(kind: str) -> list[User]:
    return list(db.session.scalars(
        select(User).join(EmailSubscription, EmailSubscription.user_id == User.id)
        .where(EmailSubscription.event == kind, User.active.is_(True), User.deleted_at.is_(None))
        .order_by(User.email)
    ))


def _jsonable(value):
    """UUIDs and datetimes as strings, so the payload is stored and sent as plain JSON."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # dates
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # Decimals: exactly as stored, like the API sends them
