"""Log in and out, who am I, password change, and API tokens."""

from flask import current_app, g, jsonify, request
from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import EVERYONE, allow, public
from server.schemas.accounts import (
    ApiTokenCreateSchema,
    ApiTokenSchema,
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
)
from server.services import auth

blp = Blueprint("auth", "auth", url_prefix="/api/v1/auth", description="Sessions and API tokens.")


def _me_payload(user, csrf_token):
    factories = [{"id": str(f.id), "code": f.code, "name": f.name} for f in auth.factories_of(user)]
    return {"user": user, "role": user.role, "factories": factories, "csrf_token": csrf_token}


def _set_session_cookie(response, token):
    cfg = current_app.config
    response.set_cookie(
        cfg["SESSION_COOKIE_NAME"],
        token,
        max_age=cfg["SESSION_LIFETIME_DAYS"] * 86400,
        httponly=True,
        secure=cfg["SESSION_COOKIE_SECURE"],
        samesite="Lax",
        path="/",
    )


@blp.route("/login", methods=["POST"])
@public
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
def login(data):
    """Log in with e-mail and password; sets an HttpOnly session cookie and returns the CSRF token."""
    user = auth.authenticate(data["email"], data["password"], request.remote_addr)
    previous = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])
    if previous:
        auth.end_session(auth.session_hash_of(previous))  # a new session id at every login
    token, csrf = auth.start_session(user, request.remote_addr, request.headers.get("User-Agent"))
    response = jsonify(MeSchema().dump(_me_payload(user, csrf)))
    _set_session_cookie(response, token)
    return response


@blp.route("/logout", methods=["POST"])
@allow(*EVERYONE)
@blp.response(204)
def logout():
    """End this session (cookie sessions); API tokens are revoked separately."""
    if g.auth.kind == "session":
        auth.end_session(g.auth.session_hash)
    response = current_app.response_class(status=204)
    response.delete_cookie(current_app.config["SESSION_COOKIE_NAME"], path="/")
    return response


@blp.route("/me", methods=["GET"])
@allow(*EVERYONE)
@blp.response(200, MeSchema)
def me():
    """The signed-in user, their role and factories, and the CSRF token for this session."""
    return _me_payload(current_user, g.auth.csrf_token or None)


@blp.route("/password", methods=["POST"])
@allow(*EVERYONE)
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data):
    """Change your password. Every session ends and every API token is revoked; this session is replaced by a
    fresh one. A wrong current password is 403 `wrong_password` and counts against the login throttle (429)."""
    auth.change_password(current_user, data["current_password"], data["new_password"], request.remote_addr)
    response = current_app.response_class(status=204)
    if g.auth.kind == "session":
        token, _csrf = auth.start_session(current_user, request.remote_addr, request.headers.get("User-Agent"))
        _set_session_cookie(response, token)
    return response


@blp.route("/tokens", methods=["GET"])
@allow(*EVERYONE)
@blp.response(200, ApiTokenSchema(many=True))
def list_tokens():
    """Your API tokens (the secrets are never shown again)."""
    return auth.list_api_tokens(current_user)


@blp.route("/tokens", methods=["POST"])
@allow(*EVERYONE)
@blp.arguments(ApiTokenCreateSchema)
@blp.response(201, ApiTokenSchema)
def create_token(data):
    """Create a Bearer token for a machine client, scoped like you. The secret is in this response only.

    Asks for your password again (403 `wrong_password`, throttled like login); `expires_at` is optional.
    Your tokens are revoked when your password changes or your account is deactivated."""
    token, secret = auth.issue_api_token(current_user, data["password"], data["name"], data["expires_at"],
                                         request.remote_addr)
    fields = ("id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at")
    return {**{k: getattr(token, k) for k in fields}, "token": secret}


@blp.route("/tokens/<uuid:token_id>", methods=["DELETE"])
@allow(*EVERYONE)
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of your API tokens (admins: anyone's)."""
    auth.revoke_api_token(current_user, token_id)


BLUEPRINTS = [blp]
