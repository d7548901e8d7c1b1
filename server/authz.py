"""Authorization in one place.

Every view declares who may call it with :func:`allow` (or :func:`public`);
:func:`enforce` runs before every request and refuses endpoints that declare
nothing. Which factories a user may see is decided here too, and services
apply it to every query and write through :func:`factory_scope`.

Roles:
  inspector  -- their assigned factories: inspections, milestones, orders (read)
  factory    -- a supplier's own staff: their factory only
  designer   -- reads inspections and defects everywhere, writes reviews
  manager    -- reads everything
  admin      -- everything, including users, factories, styles, specs,
                templates and the defect library
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask_login import current_user

from server.errors import ApiError, not_found
from server.models.vocab import ROLES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Role groups used by rules.
EVERYONE = ROLES
READ_ALL_FACTORIES = ("designer", "manager", "admin")
FIELD_STAFF = ("inspector", "factory")
ADMIN = ("admin",)

# Endpoints outside our blueprints that are public by nature.
_PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json"}


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    public: bool = False

    def allows(self, role: str | None) -> bool:
        return self.public or (role is not None and role in self.roles)


def allow(*roles: str):
    """Declare the roles that may call the decorated view."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view):
        view.__authz_rule__ = Rule(frozenset(roles))
        return view

    return decorate


def public(view):
    """Declare a view callable without logging in."""
    view.__authz_rule__ = Rule(frozenset(), public=True)
    return view


def rule_for(app: Flask, endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    if endpoint in _PUBLIC_ENDPOINTS or endpoint.startswith("pwa."):
        return Rule(frozenset(), public=True)
    view = app.view_functions.get(endpoint)
    return getattr(view, "__authz_rule__", None)


def enforce() -> None:
    """before_request hook: authenticate, check the endpoint's rule and CSRF."""
    if request.endpoint is None:  # 404 / 405: let routing report it
        return
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        # Fail closed: an endpoint nobody declared a rule for is nobody's.
        raise ApiError(403, "forbidden", "This endpoint has no access rule.")
    if rule.public:
        return
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Log in or send a valid API token.")
    if request.method not in SAFE_METHODS:
        check_csrf()
    if not rule.allows(current_user.role):
        raise ApiError(403, "forbidden", "Your role may not do this.")


def check_csrf() -> None:
    """Cookie sessions must echo their CSRF token on state-changing requests.

    Bearer-token clients are exempt: a browser never attaches the token on
    its own, so a cross-site request cannot carry it.
    """
    auth = g.get("auth")
    if auth is None or auth.kind != "session":
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, auth.csrf_token):
        raise ApiError(403, "csrf_failed", "Missing or wrong X-CSRF-Token header.")


# --- factory scope ---------------------------------------------------------------------


def factory_scope(user) -> frozenset[uuid.UUID] | None:
    """The factories ``user`` may see, or None for all of them."""
    if user.role in READ_ALL_FACTORIES:
        return None
    return user.factory_ids


def can_see_factory(user, factory_id: uuid.UUID | None) -> bool:
    scope = factory_scope(user)
    return scope is None or (factory_id is not None and factory_id in scope)


def require_factory(user, factory_id: uuid.UUID | None, what: str = "record") -> None:
    """404, not 403, so that records of other factories do not reveal they exist."""
    if not can_see_factory(user, factory_id):
        raise not_found(what)
