"""Passwords, server-side sessions, API tokens and the failed-login throttle."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from server.errors import ApiError, validation_error
from server.extensions import db
from server.models import ApiToken, LoginThrottle, User, UserSession
from server.models.base import utcnow
from server.services import changes

MIN_PASSWORD_LENGTH = 10
# Verified against when the e-mail is unknown, so response time does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


@dataclass
class AuthInfo:
    """How the current request authenticated."""

    kind: str  # "session" or "token"
    csrf_token: str = ""
    session_hash: str | None = None
    token_id: uuid.UUID | None = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise validation_error({field: [f"Use at least {MIN_PASSWORD_LENGTH} characters."]})


# --- login throttle ---------------------------------------------------------------------


def _throttle_row(kind: str, key: str) -> LoginThrottle:
    row = db.session.get(LoginThrottle, (kind, key))
    if row is None:
        row = LoginThrottle(kind=kind, key=key, failures=0, window_started_at=utcnow())
        db.session.add(row)
    return row


def _throttle_limits() -> dict[str, int]:
    cfg = current_app.config
    return {"account": cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], "address": cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]}


def _refuse_if_throttled(keys: dict[str, str], now: datetime) -> None:
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    limits = _throttle_limits()
    for kind, key in keys.items():
        row = db.session.get(LoginThrottle, (kind, key))
        if row is None or row.window_started_at + window <= now:
            continue
        if row.failures >= limits[kind]:
            retry = int((row.window_started_at + window - now).total_seconds()) + 1
            raise ApiError(
                429,
                "too_many_attempts",
                "Too many failed logins. Wait before trying again.",
                headers={"Retry-After": str(retry)},
            )


def _record_failure(keys: dict[str, str], now: datetime) -> None:
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    for kind, key in keys.items():
        row = _throttle_row(kind, key)
        if row.window_started_at + window <= now:
            row.failures = 0
            row.window_started_at = now
        row.failures += 1
    db.session.commit()


def authenticate(email: str, password: str, remote_addr: str | None) -> User:
    """Return the user for these credentials or raise 401/429. Never logs the password."""
    now = utcnow()
    email = normalize_email(email)
    keys = {"account": email, "address": remote_addr or "unknown"}
    _refuse_if_throttled(keys, now)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not valid or user is None or not user.is_active:
        _record_failure(keys, now)
        raise ApiError(401, "invalid_credentials", "Wrong e-mail or password, or the account is inactive.")
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.kind == "account", LoginThrottle.key == email))
    return user


# --- sessions ---------------------------------------------------------------------------


def start_session(user: User, remote_addr: str | None, user_agent: str | None) -> tuple[str, str]:
    """Create a fresh session (a new id at every login) and return (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    lifetime = timedelta(days=current_app.config["SESSION_LIFETIME_DAYS"])
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            remote_addr=remote_addr,
            user_agent=(user_agent or "")[:255],
        )
    )
    db.session.commit()
    return token, csrf


def session_user(token: str) -> tuple[User, AuthInfo] | None:
    row = db.session.get(UserSession, _digest(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, AuthInfo(kind="session", csrf_token=row.csrf_token, session_hash=row.token_hash)


def session_hash_of(token: str) -> str:
    return _digest(token)


def end_session(session_hash: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == session_hash))
    db.session.commit()


def end_all_sessions(user_id: uuid.UUID, except_hash: str | None = None) -> None:
    """Called on password change and deactivation (inside the caller's transaction)."""
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if except_hash:
        stmt = stmt.where(UserSession.token_hash != except_hash)
    db.session.execute(stmt)


# --- API tokens -------------------------------------------------------------------------

TOKEN_PREFIX = "sl_"


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.commit()
    return token, secret


def token_user(secret: str) -> tuple[User, AuthInfo] | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    return user, AuthInfo(kind="token", token_id=token.id)


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)))


def revoke_api_token(user: User, token_id: uuid.UUID) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and user.role != "admin"):
        raise ApiError(404, "not_found", "No such API token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


# --- password change --------------------------------------------------------------------


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password and end every session of the user (the caller starts a fresh one)."""
    if not check_password_hash(user.password_hash, current_password):
        raise validation_error({"current_password": ["Wrong password."]})
    check_password_strength(new_password, "new_password")
    with changes.recording(user, "api"):
        user = db.session.get(User, user.id)
        user.password_hash = hash_password(new_password)
        end_all_sessions(user.id)
