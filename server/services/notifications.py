"""Webhook endpoints (admins) and each user's e-mail choices.

Neither is a domain record (phones never sync them): they are written here directly, not through
``changes.recording``, and who changed an endpoint is kept on the row (``updated_by_id``) and in the log.

A webhook's secret is made here (32 random bytes, hex) and returned only by :func:`create_endpoint` and
:func:`rotate_secret`; listing and reading never show it. It is stored as it is: the worker signs with it.
"""

from __future__ import annotations

import logging
import secrets
import uuid

from sqlalchemy import delete, func, select

from server.errors import not_found
from server.extensions import db
from server.models import DeliveryAttempt, EmailSubscription, NotificationDelivery, User, WebhookEndpoint
from server.models.base import utcnow
from server.models.vocab import NOTIFICATION_EVENTS

log = logging.getLogger("seamline.notifications")


def new_secret() -> str:
    return secrets.token_hex(32)


# --- webhook endpoints ---------------------------------------------------------------------


def list_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)))


def get_endpoint(endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise not_found("webhook endpoint")
    return endpoint


def create_endpoint(actor: User | None, data: dict) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=data["url"], description=data.get("description"),
                               events=_ordered(data["events"]), active=data.get("active", True), secret=new_secret(),
                               created_by_id=actor.id if actor else None, updated_by_id=actor.id if actor else None)
    db.session.add(endpoint)
    db.session.commit()
    log.info("webhook endpoint %s (%s) created by %s", endpoint.id, endpoint.url, endpoint.created_by_id)
    return endpoint


def update_endpoint(actor: User, endpoint_id: uuid.UUID, data: dict) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id)
    for key in ("url", "description", "active"):
        if key in data:
            setattr(endpoint, key, data[key])
    if "events" in data:
        endpoint.events = _ordered(data["events"])
    endpoint.updated_at = utcnow()
    endpoint.updated_by_id = actor.id
    db.session.commit()
    log.info("webhook endpoint %s changed by %s: %s", endpoint.id, actor.id, sorted(data))
    return endpoint


def rotate_secret(actor: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """A new secret from now on: deliveries sent after this are signed with it (also retries of old events)."""
    endpoint = get_endpoint(endpoint_id)
    endpoint.secret = new_secret()
    endpoint.updated_at = utcnow()
    endpoint.updated_by_id = actor.id
    db.session.commit()
    log.info("webhook endpoint %s secret rotated by %s", endpoint.id, actor.id)
    return endpoint


def delete_endpoint(actor: User, endpoint_id: uuid.UUID) -> None:
    """Remove the endpoint with its deliveries and their log (nothing more will be sent to it)."""
    endpoint = get_endpoint(endpoint_id)
    delivery_ids = select(NotificationDelivery.id).where(NotificationDelivery.endpoint_id == endpoint.id)
    # Explicit, children first: SQLite enforces ON DELETE CASCADE too, but the order must not depend on it.
    db.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids)))
    db.session.execute(delete(NotificationDelivery).where(NotificationDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()
    log.info("webhook endpoint %s (%s) deleted by %s", endpoint_id, endpoint.url, actor.id)


# --- the delivery log ----------------------------------------------------------------------


def list_deliveries(filters: dict, page: int, page_size: int) -> tuple[list[dict], int]:
    """Deliveries, newest first, each with its attempts."""
    stmt = select(NotificationDelivery)
    for key in ("endpoint_id", "channel", "status", "event"):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(NotificationDelivery, key) == filters[key])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(NotificationDelivery.id.desc())
                              .limit(page_size).offset((page - 1) * page_size)).all()
    attempts: dict[int, list] = {row.id: [] for row in rows}
    if rows:
        for attempt in db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(attempts))
                                          .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.number)):
            attempts[attempt.delivery_id].append(attempt)
    return [_describe(row, attempts[row.id]) for row in rows], total


def _describe(row: NotificationDelivery, attempts: list[DeliveryAttempt]) -> dict:
    described = {column: getattr(row, column) for column in (
        "id", "event_id", "event", "occurred_at", "channel", "endpoint_id", "recipient_email", "status", "attempts",
        "next_attempt_at", "last_attempt_at", "last_error", "response_code", "delivered_at", "payload")}
    described["attempt_log"] = attempts
    return described


# --- e-mail choices ------------------------------------------------------------------------


def email_preferences(user_id: uuid.UUID) -> dict:
    user = _user(user_id)
    events = db.session.scalars(select(EmailSubscription.event).where(EmailSubscription.user_id == user.id)).all()
    return {"user_id": user.id, "email": user.email, "events": _ordered(events)}


def set_email_preferences(actor: User, user_id: uuid.UUID, events: list[str]) -> dict:
    """Replace the user's choices with ``events``."""
    user = _user(user_id)
    wanted = set(events)
    current = set(db.session.scalars(select(EmailSubscription.event).where(EmailSubscription.user_id == user.id)))
    if current - wanted:
        db.session.execute(delete(EmailSubscription).where(EmailSubscription.user_id == user.id,
                                                           EmailSubscription.event.in_(current - wanted)))
    db.session.add_all(EmailSubscription(user_id=user.id, event=event) for event in sorted(wanted - current))
    db.session.commit()
    if actor.id != user.id:
        log.info("e-mail choices of user %s set by %s: %s", user.id, actor.id, _ordered(wanted))
    return email_preferences(user.id)


def _user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise not_found("user")
    return user


def _ordered(events) -> list[str]:
    """The vocabulary's order, without repeats."""
    chosen = set(events)
    return [event for event in NOTIFICATION_EVENTS if event in chosen]
