"""Users, their factory assignments, sessions, API tokens and login throttling."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, Versioned, utcnow
from server.models.vocab import ROLES, check_in


class User(Versioned, UserMixin, db.Model):
    __tablename__ = "users"
    __entity__ = "user"
    __audit_redacted__ = frozenset({"password_hash"})
    __table_args__ = (CheckConstraint(check_in("role", ROLES), name="role"),)

    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(16), default="en")

    assignments: Mapped[list[FactoryAssignment]] = relationship(
        back_populates="user",
        foreign_keys="FactoryAssignment.user_id",
        primaryjoin="and_(User.id == FactoryAssignment.user_id, FactoryAssignment.deleted_at.is_(None))",
        viewonly=True,
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active) and self.deleted_at is None

    @property
    def factory_ids(self) -> frozenset[uuid.UUID]:
        # Asked for every record a push writes (the factory scope): made once per loaded list of assignments.
        assignments = self.assignments
        made_from, ids = getattr(self, "_factory_ids_made", (None, frozenset()))
        if made_from is not assignments:
            ids = frozenset(a.factory_id for a in assignments)
            self._factory_ids_made = (assignments, ids)
        return ids


class FactoryAssignment(Versioned, db.Model):
    """An inspector assigned to a factory, or a factory user belonging to one.

    A record of its own (not a bare association table) so that assignment
    changes are versioned: they change what a user's phone replicates.
    """

    __tablename__ = "factory_assignments"
    __entity__ = "factory_assignment"
    __table_args__ = (UniqueConstraint("user_id", "factory_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    factory_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("factories.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="assignments")


class UserSession(db.Model):
    """A server-side login session. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class ApiToken(db.Model):
    """A revocable Bearer token for machine clients; only its hash is stored.

    Revoked with the user's sessions at a password change and at deactivation;
    refused after ``expires_at`` when its creator set one.
    """

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """Failed-password counters per account and per address (logins, and the password asked again
    at a password change or when creating an API token).

    Kept in the database (not process memory) so the limit holds across
    several app-server workers.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint(check_in("kind", ("account", "address")), name="kind"),)

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
