"""Managing accounts (admins) and the factories users are assigned to."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from server.errors import ApiError, not_found, validation_error
from server.extensions import db
from server.models import Factory, FactoryAssignment, User
from server.services import changes
from server.services.auth import check_password_strength, hash_password, normalize_email, sign_out_everywhere

# Roles whose data is limited to the factories they are assigned to.
FACTORY_BOUND_ROLES = ("inspector", "factory")


def list_users(page: int, page_size: int) -> tuple[list[User], int]:
    stmt = select(User).where(User.deleted_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(User.email).limit(page_size).offset((page - 1) * page_size)).all()
    return list(items), total


def get_user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        raise not_found("user")
    return user


def create_user(actor: User | None, data: dict, source: str = "api") -> User:
    """Create an account. ``actor`` None means the system (CLI, seed)."""
    password = data.pop("password", None)
    if not password:
        raise validation_error({"password": ["Required when creating a user."]})
    check_password_strength(password)
    factory_ids = data.pop("factory_ids", None) or []
    with changes.recording(actor, source):
        email = normalize_email(data["email"])
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            raise ApiError(409, "email_taken", "An account with this e-mail exists.", {"email": ["Taken."]})
        user = User(
            id=data.get("id") or uuid.uuid4(),
            email=email,
            display_name=data["display_name"],
            role=data["role"],
            active=data.get("active", True),
            locale=data.get("locale", "en"),
            password_hash=hash_password(password),
        )
        db.session.add(user)
        _set_factories(user, factory_ids)
    return user


def update_user(actor: User, user_id: uuid.UUID, data: dict) -> User:
    with changes.recording(actor, "api"):
        user = get_user(user_id)
        if "email" in data:
            email = normalize_email(data.pop("email"))
            taken = db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.id != user.id))
            if taken is not None:
                raise ApiError(409, "email_taken", "An account with this e-mail exists.", {"email": ["Taken."]})
            user.email = email
        password = data.pop("password", None)
        if password:
            check_password_strength(password)
            user.password_hash = hash_password(password)
        factory_ids = data.pop("factory_ids", None)
        for key in ("display_name", "role", "active", "locale"):
            if key in data:
                setattr(user, key, data[key])
        if actor.id == user.id and (user.role != "admin" or not user.active):
            raise validation_error({"role": ["You cannot remove your own admin access."]})
        if factory_ids is not None or "role" in data:
            _set_factories(user, factory_ids if factory_ids is not None else list(user.factory_ids))
        if password or not user.active:
            # A password reset or a deactivation ends every session and revokes every API token at once.
            sign_out_everywhere(user.id)
    return user


def _set_factories(user: User, factory_ids: list[uuid.UUID]) -> None:
    wanted = set(factory_ids)
    if user.role not in FACTORY_BOUND_ROLES and wanted:
        raise validation_error({"factory_ids": [f"Only {' and '.join(FACTORY_BOUND_ROLES)} users are assigned to factories."]})
    if user.role == "factory" and len(wanted) != 1:
        raise validation_error({"factory_ids": ["A factory user belongs to exactly one factory."]})
    unknown = [str(fid) for fid in wanted if (f := db.session.get(Factory, fid)) is None or f.is_deleted]
    if unknown:
        raise validation_error({"factory_ids": [f"Unknown factory {fid}." for fid in unknown]})
    existing = db.session.scalars(select(FactoryAssignment).where(FactoryAssignment.user_id == user.id)).all()
    by_factory = {a.factory_id: a for a in existing}
    for assignment in existing:
        if assignment.factory_id not in wanted:
            changes.soft_delete(assignment)
    for factory_id in wanted:
        assignment = by_factory.get(factory_id)
        if assignment is None:
            db.session.add(FactoryAssignment(user_id=user.id, factory_id=factory_id))
        elif assignment.deleted_at is not None:
            assignment.deleted_at = None
    db.session.flush()
    db.session.expire(user, ["assignments"])


def _assigned_inspectors(factory_id: uuid.UUID):
    """The one statement of who may inspect at a factory: active inspectors with a live assignment to it."""
    return (select(User).join(FactoryAssignment, FactoryAssignment.user_id == User.id)
            .where(FactoryAssignment.factory_id == factory_id, FactoryAssignment.deleted_at.is_(None),
                   User.role == "inspector", User.active.is_(True), User.deleted_at.is_(None)))


def inspectors_of(factory_id: uuid.UUID) -> list[User]:
    """The inspectors a booking for the factory's orders may name, by name."""
    return list(db.session.scalars(_assigned_inspectors(factory_id).order_by(User.display_name, User.id)))


def is_assigned_inspector(user_id: uuid.UUID, factory_id: uuid.UUID) -> bool:
    """Whether an inspection at the factory may name this user as its inspector."""
    return db.session.scalar(_assigned_inspectors(factory_id).where(User.id == user_id)
                             .with_only_columns(User.id)) is not None
