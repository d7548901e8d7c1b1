"""Passwords, server-side sessions, API tokens and the wrong-password throttle."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from server.errors import ApiError, validation_error
from server.extensions import db
from server.models import ApiToken, Factory, LoginThrottle, User, UserSession
from server.models.base import utcnow
from server.services import changes

MIN_PASSWORD_LENGTH = 10


@dataclass
class AuthInfo:
    """How the current request authenticated."""

    kind: str  # "session" or "token"
    csrf_token: str = ""
    session_hash: str | None = None
    token_id: uuid.UUID | None = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    """Verified against when the e-mail is unknown, so response time does not reveal which accounts exist."""
    return generate_password_hash("not a real password", method=method)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise validation_error({field: [f"Use at least {MIN_PASSWORD_LENGTH} characters."]})


# --- password throttle ----------------------------------------------------------------
# Wrong passwords count against one budget per account and per address, wherever they are typed: at login, and
# when a signed-in user is asked for their password again (password change, new API token). A stolen session
# therefore cannot guess the password faster than a stranger at the login form.


def _throttle_keys(email: str, remote_addr: str | None) -> dict[str, str]:
    return {"account": normalize_email(email), "address": remote_addr or "unknown"}


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
                "Too many wrong passwords. Wait before trying again.",
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


def _forget_account_failures(email: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.kind == "account",
                                                   LoginThrottle.key == normalize_email(email)))


def authenticate(email: str, password: str, remote_addr: str | None) -> User:
    """Return the user for these credentials or raise 401/429. Never logs the password."""
    now = utcnow()
    email = normalize_email(email)
    keys = _throttle_keys(email, remote_addr)
    _refuse_if_throttled(keys, now)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    stored = user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    valid = check_password_hash(stored, password)
    if not valid or user is None or not user.is_active:
        _record_failure(keys, now)
        raise ApiError(401, "invalid_credentials", "Wrong e-mail or password, or the account is inactive.")
    _forget_account_failures(email)
    return user


def confirm_password(user: User, password: str, remote_addr: str | None, field: str = "password") -> None:
    """Ask a signed-in user for their password again; raise 403 ``wrong_password`` or 429.

    403, not login's 401: the session stays valid, and clients read 401 as "logged out".
    """
    now = utcnow()
    keys = _throttle_keys(user.email, remote_addr)
    _refuse_if_throttled(keys, now)
    if not check_password_hash(user.password_hash, password):
        _record_failure(keys, now)
        raise ApiError(403, "wrong_password", "The password is wrong.", {field: ["Wrong password."]})
    _forget_account_failures(user.email)
    db.session.commit()


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


def end_all_sessions(user_id: uuid.UUID) -> None:
    """Delete every login session of the user (inside the caller's transaction)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def sign_out_everywhere(user_id: uuid.UUID) -> None:
    """At a password change, a password reset and a deactivation: every session ends and every API token is
    revoked, so nothing issued under the old password outlives it (inside the caller's transaction)."""
    end_all_sessions(user_id)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- API tokens -------------------------------------------------------------------------

TOKEN_PREFIX = "sl_"


def issue_api_token(
    user: User, password: str, name: str, expires_at: datetime | None, remote_addr: str | None
) -> tuple[ApiToken, str]:
    """A new token for a signed-in user who typed their password again: a session left open on a shared
    computer must not be turned into a credential that outlives it."""
    if expires_at is not None and expires_at <= utcnow():
        raise validation_error({"expires_at": ["Must be in the future."]})
    confirm_password(user, password, remote_addr)
    return create_api_token(user, name, expires_at)


def create_api_token(user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token. Asks nothing: the API goes through issue_api_token, which checks the password first."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret), prefix=secret[:10],
                     expires_at=expires_at)
    db.session.add(token)
    db.session.commit()
    return token, secret


def token_user(secret: str) -> tuple[User, AuthInfo] | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
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


def change_password(user: User, current_password: str, new_password: str, remote_addr: str | None) -> None:
    """Set a new password, end every session and revoke every API token of the user (the caller starts a
    fresh session). A wrong current password counts against the login throttle."""
    confirm_password(user, current_password, remote_addr, field="current_password")
    check_password_strength(new_password, "new_password")
    with changes.recording(user, "api"):
        user = db.session.get(User, user.id)
        user.password_hash = hash_password(new_password)
        sign_out_everywhere(user.id)


def factories_of(user: User) -> list:
    """The factories a user is assigned to, by code (for "who am I")."""
    if not user.factory_ids:
        return []
    return list(db.session.scalars(select(Factory).where(Factory.id.in_(user.factory_ids)).order_by(Factory.code)))
