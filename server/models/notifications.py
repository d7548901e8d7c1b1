"""Notifications: webhook endpoints, users' e-mail choices, and the outbox the delivery worker drains.

None of these are domain records: phones never sync them, so they are not ``Versioned`` and their writes do
not go through ``changes.recording`` (like ``SyncClient``, who changed a webhook is kept on the row and in
the log). Outbox rows are written by ``server.services.events.emit`` inside the transaction of the change
they announce, so an event exists exactly when its change committed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.vocab import DELIVERY_STATUSES, NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, check_in

# Autoincrementing 64-bit keys (SQLite only autoincrements an INTEGER PRIMARY KEY).
_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class WebhookEndpoint(db.Model):
    """A URL an admin registered, the events it gets, and the secret its deliveries are signed with.

    The secret is stored as it is (signing needs it); the API shows it only when it is made (at creation and
    when it is rotated).
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(200))
    # A list of NOTIFICATION_EVENTS names (checked by the schema).
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class EmailSubscription(db.Model):
    """One user wants e-mail for one kind of event (no row: no e-mail; nobody gets any by default)."""

    __tablename__ = "email_subscriptions"
    __table_args__ = (CheckConstraint(check_in("event", NOTIFICATION_EVENTS), name="event"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationDelivery(db.Model):
    """One event for one webhook endpoint or one e-mail recipient: the outbox row and its delivery log.

    ``next_attempt_at`` is when a worker may next take it; a worker that takes it moves it forward by a lease
    first, so a second worker leaves it alone while the first one sends, and a worker that died mid-send
    only delays it.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        CheckConstraint(check_in("channel", NOTIFICATION_CHANNELS), name="channel"),
        CheckConstraint(check_in("status", DELIVERY_STATUSES), name="status"),
        CheckConstraint(check_in("event", NOTIFICATION_EVENTS), name="event"),
        CheckConstraint("(channel = 'webhook' AND endpoint_id IS NOT NULL) OR "
                        "(channel = 'email' AND recipient_email IS NOT NULL)", name="target"),
        # The worker's question: which pending deliveries are due?
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    # The event's identity, the same in every delivery of one emit: receivers deduplicate by it.
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10))
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    response_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryAttempt(db.Model):
    """One try at a delivery: when, what came back (HTTP status or SMTP reply code), what went wrong."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        _BIG_ID, ForeignKey("notification_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))


class OverdueAnnouncement(db.Model):
    """A corrective action announced as overdue, for the due date it had: announced once per due date (a new
    due date that passes is announced again)."""

    __tablename__ = "overdue_announcements"

    corrective_action_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("corrective_actions.id", ondelete="CASCADE"), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
